import type { IndexRecord } from "../archive/types.js";
import { resourceKey } from "../snapshot/layout.js";
import { type CanonicalValue, canonicalJson, chunksOf, compareNames } from "./canonical-json.js";
import type { ChunkRef, NamespaceNode, ObjectsNode, RootNode, TreeObject, TreeRef, TypeNode } from "./tree-nodes.js";

/** What a snapshot records of one object: format 1's index record without its archive path and part. */
export type ObjectRecord = Omit<IndexRecord, "path" | "part">;

/** Stores a tree node's canonical bytes as a tree blob; resolves with its id. */
export type AddTree = (node: Buffer) => Promise<string>;

interface TypeGroup {
  group: string;
  resource: string;
  namespace?: string;
  objects: TreeObject[];
}

const byName = <T extends { name: string }>(a: T, b: T) => compareNames(a.name, b.name);

function treeObject(record: ObjectRecord, blob: string): TreeObject {
  const { name, version, kind, uid, ownerReferences, sha256, bytes } = record;
  return { name, blob, version, kind, uid, sha256, bytes, ...(ownerReferences?.length ? { ownerReferences } : {}) };
}

function store(addTree: AddTree, node: RootNode | NamespaceNode | TypeNode | ObjectsNode): Promise<string> {
  return addTree(canonicalJson(node as unknown as CanonicalValue));
}

/**
 * Collects a snapshot's objects and, at the end, stores its tree bottom-up: objects chunks, type
 * nodes, namespace nodes, the root. Unchanged subtrees give the same bytes, hence the same ids,
 * and the pack writer stores them once.
 */
export class TreeBuilder {
  /** Namespace ("" for cluster-scoped) → `<resource>[.<group>]` → its objects. */
  private readonly scopes = new Map<string, Map<string, TypeGroup>>();

  add(record: ObjectRecord, blob: string): void {
    const namespace = record.namespace ?? "";
    let types = this.scopes.get(namespace);
    if (!types) {
      types = new Map();
      this.scopes.set(namespace, types);
    }
    const key = resourceKey(record);
    let group = types.get(key);
    if (!group) {
      group = { group: record.group, resource: record.resource, objects: [] };
      if (namespace !== "") group.namespace = namespace;
      types.set(key, group);
    }
    group.objects.push(treeObject(record, blob));
  }

  /** Stores every node; resolves with the root's id. */
  async build(addTree: AddTree): Promise<string> {
    const cluster = await this.typeRefs(addTree, this.scopes.get("") ?? new Map());
    const namespaces: TreeRef[] = [];
    const names = [...this.scopes.keys()].filter((n) => n !== "").sort(compareNames);
    for (const name of names) {
      const types = await this.typeRefs(addTree, this.scopes.get(name) ?? new Map());
      namespaces.push({ name, tree: await store(addTree, { kind: "namespace", name, types }) });
    }
    return store(addTree, { kind: "root", cluster, namespaces });
  }

  private async typeRefs(addTree: AddTree, types: Map<string, TypeGroup>): Promise<TreeRef[]> {
    const refs: TreeRef[] = [];
    for (const name of [...types.keys()].sort(compareNames)) {
      refs.push({ name, tree: await this.storeType(addTree, types.get(name) as TypeGroup) });
    }
    return refs;
  }

  private async storeType(addTree: AddTree, { objects, ...type }: TypeGroup): Promise<string> {
    objects.sort(byName);
    objects.forEach((object, i) => {
      if (i > 0 && objects[i - 1]?.name === object.name) {
        const where = type.namespace ? `namespace ${type.namespace}` : "the cluster";
        throw new TypeError(`snapshot writer: ${resourceKey(type)} "${object.name}" in ${where} was given twice`);
      }
    });
    const chunks: ChunkRef[] = [];
    for (const chunk of chunksOf(objects)) {
      const tree = await store(addTree, { kind: "objects", objects: chunk });
      chunks.push({ first: chunk[0]?.name ?? "", objects: chunk.length, tree });
    }
    return store(addTree, { kind: "type", ...type, chunks });
  }
}
