import type { IndexOwnerReference } from "../archive/types.js";
import { isObject, type JsonFields, type JsonObject, SHA256_HEX } from "../snapshot/json-fields.js";
import { resourceKey } from "../snapshot/layout.js";
import { OWNER_STRINGS } from "../snapshot/manifest-codec.js";
import { compareNames, namesAscending } from "./canonical-json.js";
import { parseJsonFile } from "./manifest.js";

/*
 * The four kinds of tree node (docs/format.md, "Trees"). Every node is a blob of type tree holding
 * canonical JSON (canonical-json.ts); references are blob ids.
 *
 *   root       {kind:"root", cluster:[{name:"<resource>[.<group>]", tree}], namespaces:[{name, tree}]}
 *   namespace  {kind:"namespace", name, types:[{name:"<resource>[.<group>]", tree}]}
 *   type       {kind:"type", group, resource, namespace?, chunks:[{first, objects, tree}]}
 *   objects    {kind:"objects", objects:[{name, blob, version, kind, uid, ownerReferences?, sha256, bytes}]}
 *   patch      {kind:"patch", base, depth, objects, types:[{group, resource, namespace?, set:[object], remove:[name]}]}
 *
 * A snapshot's tree is a root, or a patch: the tree of `base` (a root or a patch) with the objects
 * of `set` added or replaced and those of `remove` removed.
 */

export interface TreeRef {
  name: string;
  tree: string;
}

export interface RootNode {
  kind: "root";
  /** Type nodes of cluster-scoped resources. */
  cluster: TreeRef[];
  namespaces: TreeRef[];
}

export interface NamespaceNode {
  kind: "namespace";
  name: string;
  types: TreeRef[];
}

export interface ChunkRef {
  /** Name of the chunk's first object. */
  first: string;
  objects: number;
  tree: string;
}

export interface TypeNode {
  kind: "type";
  group: string;
  resource: string;
  /** Absent for cluster-scoped resources. */
  namespace?: string;
  chunks: ChunkRef[];
}

/** One object as a tree records it: the index record's own fields and the blob of its YAML. */
export interface TreeObject {
  name: string;
  blob: string;
  version: string;
  kind: string;
  uid: string;
  ownerReferences?: IndexOwnerReference[];
  /** sha256 (hex) of the YAML, as format 1's index records it. */
  sha256: string;
  bytes: number;
}

export interface ObjectsNode {
  kind: "objects";
  objects: TreeObject[];
}

/** The changes a patch makes to one type of one namespace (or of the cluster). */
export interface PatchType {
  group: string;
  resource: string;
  /** Absent for cluster-scoped resources. */
  namespace?: string;
  /** Objects added or changed, in name order. */
  set: TreeObject[];
  /** Names of objects removed, in name order; none of them in `set`. */
  remove: string[];
}

export interface PatchNode {
  kind: "patch";
  /** The tree this one changes: a root or a patch. */
  base: string;
  /** 1 + the base's depth (a root's is 0); at most MAX_PATCH_DEPTH. */
  depth: number;
  /** Objects in the tree once patched. */
  objects: number;
  /** Sorted by namespace (cluster-scoped first), then `<resource>[.<group>]`. */
  types: PatchType[];
}

/**
 * The most patches on top of a root: a writer stores a whole tree again when its base is this
 * deep, and readers refuse deeper ones. Each level is one more tree blob read in turn, most of
 * them in different packs; 32 hourly snapshots share one root. @defaultValue 32
 */
export const MAX_PATCH_DEPTH = 32;

export type TreeNode = RootNode | NamespaceNode | TypeNode | ObjectsNode | PatchNode;

/** Names strictly ascending in code-point order: no duplicates, the canonical order. */
function checkSorted(fields: JsonFields, list: string, names: readonly string[]): void {
  if (namesAscending(names)) return;
  for (let i = 1; i < names.length; i++) {
    if (compareNames(names[i - 1] as string, names[i] as string) >= 0)
      fields.fail(`${list}[${i}]`, "names are not in strictly ascending order");
  }
}

function refs(fields: JsonFields, list: string): TreeRef[] {
  const items = fields.objects(list).map((ref) => {
    ref.sha256("tree");
    return { name: ref.string("name"), tree: ref.string("tree") };
  });
  checkSorted(
    fields,
    list,
    items.map((r) => r.name),
  );
  return items;
}

/** Orders patch types: cluster-scoped first, then by namespace, then by `<resource>[.<group>]`. */
export function compareScopedTypes(
  a: { namespace?: string; group: string; resource: string },
  b: { namespace?: string; group: string; resource: string },
): number {
  if ((a.namespace === undefined) !== (b.namespace === undefined)) return a.namespace === undefined ? -1 : 1;
  return compareNames(a.namespace ?? "", b.namespace ?? "") || compareNames(resourceKey(a), resourceKey(b));
}

/** The string fields of a tree object (checkObject, validObject). */
const OBJECT_STRINGS = ["name", "version", "kind", "uid"];

/**
 * Whether `value` passes checkObject's checks, found without a JsonFields (and a string of its
 * place) per object: a tree holds a record per object, and its nodes are decoded on the main
 * thread as a download or a restore reads it. checkObject tells why one does not.
 */
function validObject(value: unknown): boolean {
  if (!isObject(value)) return false;
  const { blob, sha256, bytes, ownerReferences } = value;
  for (const name of OBJECT_STRINGS) if (typeof value[name] !== "string") return false;
  if (typeof blob !== "string" || !SHA256_HEX.test(blob)) return false;
  // unencrypted, an object's blob id is its sha256: one test for both
  if (sha256 !== blob && (typeof sha256 !== "string" || !SHA256_HEX.test(sha256))) return false;
  if (!Number.isSafeInteger(bytes) || (bytes as number) < 0) return false;
  if (ownerReferences === undefined) return true;
  if (!Array.isArray(ownerReferences)) return false;
  return ownerReferences.every(
    (owner) =>
      isObject(owner) &&
      OWNER_STRINGS.every((name) => typeof owner[name] === "string") &&
      (owner["controller"] === undefined || typeof owner["controller"] === "boolean"),
  );
}

/**
 * The items of the array `list` of `f`, every one a tree object as checkObject checks it: the
 * first that is not throws checkObject's error (or JsonFields' for one that is no object).
 */
function treeObjects(f: JsonFields, list: string): JsonObject[] {
  const items = f.array(list);
  if (!items.every(validObject)) f.objects(list).forEach(checkObject);
  return items as JsonObject[];
}

/**
 * A type node's chunks, each checked: by a plain look at their fields when all are right, else
 * through JsonFields, which names the first wrong one and its field.
 */
function typeChunks(f: JsonFields): ChunkRef[] {
  const items = f.array("chunks");
  const valid = (c: unknown) =>
    isObject(c) &&
    typeof c["first"] === "string" &&
    Number.isSafeInteger(c["objects"]) &&
    (c["objects"] as number) >= 0 &&
    typeof c["tree"] === "string" &&
    SHA256_HEX.test(c["tree"]);
  if (items.every(valid))
    return (items as JsonObject[]).map((c) => ({
      first: c["first"] as string,
      objects: c["objects"] as number,
      tree: c["tree"] as string,
    }));
  const chunks = f
    .objects("chunks")
    .map((c) => ({ first: c.string("first"), objects: c.count("objects"), tree: c.string("tree") }));
  for (const c of f.objects("chunks")) c.sha256("tree");
  return chunks;
}

function checkObject(item: JsonFields): void {
  for (const name of OBJECT_STRINGS) item.string(name);
  item.sha256("blob");
  item.sha256("sha256");
  item.count("bytes");
  if (item.value["ownerReferences"] === undefined) return;
  for (const owner of item.objects("ownerReferences")) {
    for (const name of OWNER_STRINGS) owner.string(name);
    const controller = owner.value["controller"];
    if (controller !== undefined && typeof controller !== "boolean") owner.fail("controller", "must be true or false");
  }
}

function patchType(f: JsonFields): PatchType {
  f.string("group");
  f.string("resource");
  f.optionalString("namespace");
  const names = treeObjects(f, "set").map((i) => i["name"] as string);
  checkSorted(f, "set", names);
  const remove = f.array("remove").map((name, i) => {
    if (typeof name !== "string") f.fail(`remove[${i}]`, "must be a string");
    return name;
  });
  checkSorted(f, "remove", remove);
  const setNames = new Set(names);
  remove.forEach((name, i) => {
    if (setNames.has(name)) f.fail(`remove[${i}]`, `"${name}" is also in set`);
  });
  return f.value as unknown as PatchType;
}

const DECODERS = {
  root: (f: JsonFields): RootNode => ({ kind: "root", cluster: refs(f, "cluster"), namespaces: refs(f, "namespaces") }),
  namespace: (f: JsonFields): NamespaceNode => ({ kind: "namespace", name: f.string("name"), types: refs(f, "types") }),
  type: (f: JsonFields): TypeNode => {
    f.string("group");
    f.string("resource");
    f.optionalString("namespace");
    const chunks = typeChunks(f);
    checkSorted(
      f,
      "chunks",
      chunks.map((c) => c.first),
    );
    return { ...(f.value as unknown as TypeNode), chunks };
  },
  objects: (f: JsonFields): ObjectsNode => {
    checkSorted(
      f,
      "objects",
      treeObjects(f, "objects").map((i) => i["name"] as string),
    );
    return f.value as unknown as ObjectsNode;
  },
  patch: (f: JsonFields): PatchNode => {
    f.sha256("base");
    const depth = f.count("depth");
    if (depth < 1 || depth > MAX_PATCH_DEPTH) f.fail("depth", `must be 1 to ${MAX_PATCH_DEPTH}`);
    f.count("objects");
    const types = f.objects("types").map(patchType);
    for (let i = 1; i < types.length; i++) {
      if (compareScopedTypes(types[i - 1] as PatchType, types[i] as PatchType) >= 0)
        f.fail(`types[${i}]`, "types are not in strictly ascending order");
    }
    return f.value as unknown as PatchNode;
  },
};

/** A tree blob's node, every field checked; RepositoryFormatError naming `key` (the blob) and the field. */
export function decodeTreeNode<K extends TreeNode["kind"]>(
  key: string,
  data: Buffer,
  kind: K,
): Extract<TreeNode, { kind: K }> {
  const fields = parseJsonFile(key, data);
  if (fields.value["kind"] !== kind) fields.fail("kind", `must be "${kind}"`);
  return DECODERS[kind](fields) as Extract<TreeNode, { kind: K }>;
}

/** The node a snapshot.json's `tree` names: a root or a patch (see decodeTreeNode). */
export function decodeTopNode(key: string, data: Buffer): RootNode | PatchNode {
  const fields = parseJsonFile(key, data);
  const kind = fields.value["kind"];
  if (kind !== "root" && kind !== "patch") fields.fail("kind", 'must be "root" or "patch"');
  return kind === "root" ? DECODERS.root(fields) : DECODERS.patch(fields);
}
