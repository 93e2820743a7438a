/*
 * The keys format 2 adds to a repository (docs/format.md, "Layout"); snapshot.json keeps its
 * format-1 key, snapshots/<id>/snapshot.json (snapshot/layout.ts).
 *
 *   data/<first 2 hex digits of id>/<id>    a pack, named by the sha256 of its bytes
 *   index/<id>                              an index file, named by the sha256 of its bytes
 */
export const DATA_PREFIX = "data/";
export const INDEX_PREFIX = "index/";

const HEX_ID = /^[0-9a-f]{64}$/;

export function isHexId(value: string): boolean {
  return HEX_ID.test(value);
}

function checkId(id: string): string {
  if (!isHexId(id)) throw new TypeError(`not a 64-digit hex id: "${id}"`);
  return id;
}

export function packKey(id: string): string {
  return `${DATA_PREFIX}${checkId(id).slice(0, 2)}/${id}`;
}

export function indexFileKey(id: string): string {
  return `${INDEX_PREFIX}${checkId(id)}`;
}

/** The id of an index file key, or undefined for any other key. */
export function indexFileIdOfKey(key: string): string | undefined {
  const id = key.startsWith(INDEX_PREFIX) ? key.slice(INDEX_PREFIX.length) : "";
  return isHexId(id) ? id : undefined;
}
