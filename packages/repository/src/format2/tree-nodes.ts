import type { IndexOwnerReference } from "../archive/types.js";
import type { JsonFields } from "../snapshot/json-fields.js";
import { resourceKey } from "../snapshot/layout.js";
import { compareNames } from "./canonical-json.js";
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

function checkObject(item: JsonFields): void {
  for (const name of ["name", "version", "kind", "uid"]) item.string(name);
  item.sha256("blob");
  item.sha256("sha256");
  item.count("bytes");
  if (item.value["ownerReferences"] === undefined) return;
  for (const owner of item.objects("ownerReferences")) {
    for (const name of ["apiVersion", "kind", "name", "uid"]) owner.string(name);
    const controller = owner.value["controller"];
    if (controller !== undefined && typeof controller !== "boolean") owner.fail("controller", "must be true or false");
  }
}

function patchType(f: JsonFields): PatchType {
  f.string("group");
  f.string("resource");
  f.optionalString("namespace");
  const set = f.objects("set");
  set.forEach(checkObject);
  const names = set.map((i) => i.value["name"] as string);
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
    const chunks = f
      .objects("chunks")
      .map((c) => ({ first: c.string("first"), objects: c.count("objects"), tree: c.string("tree") }));
    for (const c of f.objects("chunks")) c.sha256("tree");
    checkSorted(
      f,
      "chunks",
      chunks.map((c) => c.first),
    );
    return { ...(f.value as unknown as TypeNode), chunks };
  },
  objects: (f: JsonFields): ObjectsNode => {
    const items = f.objects("objects");
    items.forEach(checkObject);
    checkSorted(
      f,
      "objects",
      items.map((i) => i.value["name"] as string),
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
