import { IntegrityError, ObjectNotFoundError, RepositoryFormatError } from "../errors.js";
import { resourceKey, SNAPSHOTS_PREFIX, snapshotManifestKey, snapshotIdOfKey } from "../snapshot/layout.js";
import { MAX_JSON_BYTES } from "../snapshot/read-limits.js";
import type { ObjectStore } from "../stores/object-store.js";
import type { BlobSource } from "./blob-source.js";
import { decodeManifestV2, parseJsonFile, type SnapshotManifestV2 } from "./manifest.js";
import { decodeTopNode, decodeTreeNode, MAX_PATCH_DEPTH, type PatchNode } from "./tree-nodes.js";

/** The patch nodes read while marking into one `used` map (one prune or verify), each read once. */
const PATCHES = new WeakMap<Map<string, string>, Map<string, PatchNode>>();

function patchNodes(used: Map<string, string>): Map<string, PatchNode> {
  const found = PATCHES.get(used) ?? new Map<string, PatchNode>();
  PATCHES.set(used, found);
  return found;
}

/**
 * Every committed format-2 snapshot's manifest (format-1 snapshots, which use no blobs, are
 * skipped). A snapshot.json that does not read throws, unless `onUnreadable` is given: then it is
 * handed the id and the error (damaged or forged), one deleted while listing is skipped, and the
 * listing goes on.
 */
export async function* listSnapshotsV2(
  store: ObjectStore,
  onUnreadable?: (id: string, error: unknown) => void,
): AsyncGenerator<SnapshotManifestV2> {
  for await (const entry of store.list(SNAPSHOTS_PREFIX)) {
    const id = snapshotIdOfKey(entry.key);
    if (id === undefined || entry.key !== snapshotManifestKey(id)) continue;
    let manifest: SnapshotManifestV2;
    try {
      const data = await store.getBuffer(entry.key, MAX_JSON_BYTES);
      if (parseJsonFile(entry.key, data).value["formatVersion"] === 1) continue;
      manifest = decodeManifestV2(id, data);
    } catch (err) {
      if (!onUnreadable) throw err;
      if (err instanceof ObjectNotFoundError) continue; // deleted while listing
      if (!(err instanceof RepositoryFormatError || err instanceof IntegrityError)) throw err;
      onUnreadable(id, err);
      continue;
    }
    yield manifest;
  }
}

/** What marking met: blob ids a snapshot names that no index file lists, with what named them. */
export interface MissingBlob {
  snapshot: string;
  blob: string;
  /** "tree" or "data". */
  type: "tree" | "data";
}

/**
 * Marks every blob of `manifest`'s tree in `used` (blob id → the first snapshot that named it),
 * level by level: patches down to their root (with the YAML of the objects they hold for this
 * snapshot), namespace nodes, type nodes, objects chunks, data blobs. Tree nodes marked
 * already (shared with a snapshot marked before) are not read again, nor is what lies under them.
 * Blobs no index file lists are returned; tree blobs that fail to read or decode throw (their
 * IntegrityError or RepositoryFormatError names the pack and blob).
 */
export async function markSnapshot(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  used: Map<string, string>,
): Promise<MissingBlob[]> {
  const owner = snapshotManifestKey(manifest.id);
  const missing: MissingBlob[] = [];
  const fresh = (ids: readonly string[], type: "tree" | "data") =>
    ids.filter((id) => {
      if (used.has(id)) return false;
      used.set(id, manifest.id);
      if (source.has(id)) return true;
      missing.push({ snapshot: manifest.id, blob: id, type });
      return false;
    });
  const read = async (ids: readonly string[], each: (id: string, data: Buffer) => void) =>
    source.eachBlob(owner, fresh(ids, "tree"), "tree", each);

  const namespaces: string[] = [];
  const types: string[] = [];
  const blobs: string[] = [];
  // Patches one after another down to their root (tree-walker.ts checks their depths). A patch's
  // object that a patch above it sets again or removes is not this snapshot's: its YAML is not
  // marked for it, so forgetting the snapshots in a chain frees what only they held.
  const patches = patchNodes(used);
  const touched = new Set<string>();
  let top = manifest.tree;
  for (let depth = 0; depth <= MAX_PATCH_DEPTH; depth++) {
    fresh([top], "tree");
    if (!source.has(top)) break;
    const node = patches.get(top) ?? decodeTopNode(`tree blob ${top}`, await source.blob(owner, top, "tree"));
    if (node.kind === "root") {
      if (used.get(top) !== manifest.id) break; // marked with what lies under it already
      namespaces.push(...node.namespaces.map((r) => r.tree));
      types.push(...node.cluster.map((r) => r.tree));
      break;
    }
    patches.set(top, node);
    for (const type of node.types) {
      const place = (name: string) => `${type.namespace ?? ""}/${resourceKey(type)}/${name}`;
      for (const object of type.set) if (!touched.has(place(object.name))) blobs.push(object.blob);
      for (const object of type.set) touched.add(place(object.name));
      for (const name of type.remove) touched.add(place(name));
    }
    top = node.base;
  }
  await read(namespaces, (id, data) => {
    types.push(...decodeTreeNode(`tree blob ${id}`, data, "namespace").types.map((r) => r.tree));
  });
  const chunks: string[] = [];
  await read(types, (id, data) => {
    chunks.push(...decodeTreeNode(`tree blob ${id}`, data, "type").chunks.map((c) => c.tree));
  });
  await read(chunks, (id, data) => {
    blobs.push(...decodeTreeNode(`tree blob ${id}`, data, "objects").objects.map((o) => o.blob));
  });
  fresh(blobs, "data");
  return missing;
}

/** Throws RepositoryFormatError naming the first missing blob; prune stops on any. */
export function refuseMissing(missing: readonly MissingBlob[]): void {
  const first = missing[0];
  if (first)
    throw new RepositoryFormatError(
      snapshotManifestKey(first.snapshot),
      `${first.type} blob ${first.blob} is in no index file (${missing.length} missing); run verify`,
    );
}
