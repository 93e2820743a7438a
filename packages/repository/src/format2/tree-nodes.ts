import type { IndexOwnerReference } from "../archive/types.js";
import type { JsonFields } from "../snapshot/json-fields.js";
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

export type TreeNode = RootNode | NamespaceNode | TypeNode | ObjectsNode;

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
