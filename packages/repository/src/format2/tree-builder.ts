import type { IndexRecord } from "../archive/types.js";
import { resourceKey } from "../snapshot/layout.js";
import {
  type CanonicalValue,
  canonicalJson,
  canonicalText,
  chunksOf,
  compareNames,
  endsChunk,
  MAX_CHUNK_OBJECTS,
  sortByName,
} from "./canonical-json.js";
import {
  type ChunkRef,
  compareScopedTypes,
  MAX_PATCH_DEPTH,
  type NamespaceNode,
  type ObjectsNode,
  type PatchNode,
  type PatchType,
  type RootNode,
  type TreeObject,
  type TreeRef,
  type TypeNode,
  decodeTreeNode,
} from "./tree-nodes.js";
import type { ReadTree } from "./tree-walker.js";

/** What a snapshot records of one object: format 1's index record without its archive path and part. */
export type ObjectRecord = Omit<IndexRecord, "path" | "part">;

/** Stores a tree node's canonical bytes as a tree blob; resolves with its id. */
export type AddTree = (node: Buffer) => Promise<string>;

interface TypeGroup {
  group: string;
  resource: string;
  namespace?: string;
  /** Its objects; with chunks made early, those not yet in a chunk. */
  objects: TreeObject[];
  /** Its objects given as entries of the reuse table (addEntry), made tree objects only by build. */
  entries: number[];
  /** Chunks made early, in order, and their bytes (kept in case a later object comes out of order). */
  chunks: EarlyChunk[];
  /** The name of the last object added. */
  last?: string;
  /** false once an object came in an order other than ascending names: chunked at build. */
  sorted: boolean;
}

/** An objects chunk made before build: its reference (`tree` set once stored) and its bytes. */
interface EarlyChunk {
  ref: ChunkRef;
  bytes: Buffer;
}

const byName = <T extends { name: string }>(items: T[]) => sortByName(items, (item) => item.name);

/** An object's tree entry. */
export function treeObject(
  record: Pick<ObjectRecord, "name" | "version" | "kind" | "uid" | "ownerReferences" | "sha256" | "bytes">,
  blob: string,
): TreeObject {
  const { name, version, kind, uid, ownerReferences, sha256, bytes } = record;
  const object: TreeObject = { name, blob, version, kind, uid, sha256, bytes };
  if (ownerReferences?.length) object.ownerReferences = ownerReferences; // no spread of an object made for it
  return object;
}

/** A string JSON.stringify writes between quotes as it is: no quote, backslash, control or surrogate. */
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** JSON.stringify of a string, without its call for the plain names, hex ids and uids of a tree. */
const json = (s: string) => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));

/**
 * The canonical JSON of a tree object made by treeObject (canonicalText's), written field by field
 * in their sorted order: a snapshot has one per object, and the generic encoder sorts every
 * object's keys.
 */
export function treeObjectText(o: TreeObject): string {
  const { name, blob, version, kind, uid, sha256, bytes, ownerReferences: refs } = o;
  const strings =
    typeof name === "string" &&
    typeof blob === "string" &&
    typeof version === "string" &&
    typeof kind === "string" &&
    typeof uid === "string" &&
    typeof sha256 === "string";
  if (!strings || !Number.isSafeInteger(bytes)) return canonicalText(o as unknown as CanonicalValue);
  const owners = refs === undefined ? "" : `"ownerReferences":${canonicalText(refs as unknown as CanonicalValue)},`;
  const blobText = json(blob);
  const sha256Text = sha256 === blob ? blobText : json(sha256); // the same unless encrypted
  return `{"blob":${blobText},"bytes":${bytes},"kind":${json(kind)},"name":${json(name)},${owners}"sha256":${sha256Text},"uid":${json(uid)},"version":${json(version)}}`;
}

/**
 * The canonical JSON of a type node (canonicalText's), written field by field in their sorted
 * order: a whole tree has a chunk reference per 8 objects, each of which the generic encoder sorts.
 */
export function typeNodeText({ group, resource, namespace, chunks }: TypeNode): string {
  if (!chunks.every((c) => Number.isSafeInteger(c.objects))) throw new TypeError("not a whole number of objects");
  const refs = chunks.map((c) => `{"first":${json(c.first)},"objects":${c.objects},"tree":${json(c.tree)}}`);
  const scope = namespace === undefined ? "" : `"namespace":${json(namespace)},`;
  return `{"chunks":[${refs.join(",")}],"group":${json(group)},"kind":"type",${scope}"resource":${json(resource)}}`;
}

/** A snapshot's tree a new one may be stored as a patch of: its id, depth and objects (readTree). */
export interface TreeBase extends ReadTree {
  tree: string;
}

/**
 * A patch is stored only when it changes at most this share of the objects (as 1/n), and the
 * patches under it with it no more than there are objects; else the whole tree is stored, whose
 * unchanged chunks cost nothing. So reading a tree takes at most twice a whole tree's entries.
 * @defaultValue 4 (a quarter)
 */
export const PATCH_MAX_SHARE = 4;

function store(addTree: AddTree, node: RootNode | NamespaceNode | TypeNode | ObjectsNode | PatchNode): Promise<string> {
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
  /** The depth and patched count (see ReadTree) of the tree build stored last. */
  built = { depth: 0, patched: 0 };
  private readonly early: boolean;
  /** The tree object of a reuse table's entry (see the constructor). */
  private readonly entryObject: ((entry: number) => TreeObject | undefined) | undefined;
  /** Chunks made early and not yet stored (storeChunks). */
  private ready: EarlyChunk[] = [];

  /**
   * `early`: make each type's objects chunks while its objects arrive (a type's objects come in
   * name order from a LIST), for a tree stored whole (build without a base): they are stored as
   * they are made (storeChunks) and each object's entry is not kept to the end. A type whose
   * objects come in another order is chunked at build, from the chunks' bytes and the rest.
   */
  constructor(
    options: {
      early?: boolean;
      /**
       * The tree object of an entry of the reuse table (addEntry); undefined when the entry cannot
       * be read back.
       */
      entryObject?: (entry: number) => TreeObject | undefined;
    } = {},
  ) {
    this.early = options.early ?? false;
    this.entryObject = options.entryObject;
  }

  /** The group of `record`'s namespace and type (`key` its resourceKey), made when it has none yet. */
  private groupOf(record: Pick<ObjectRecord, "namespace" | "group" | "resource">, key: string): TypeGroup {
    const namespace = record.namespace ?? "";
    let types = this.scopes.get(namespace);
    if (!types) {
      types = new Map();
      this.scopes.set(namespace, types);
    }
    let group = types.get(key);
    if (!group) {
      group = { group: record.group, resource: record.resource, objects: [], entries: [], chunks: [], sorted: true };
      if (namespace !== "") group.namespace = namespace;
      types.set(key, group);
    }
    return group;
  }

  /**
   * An object whose tree entry is entry `entry` of the reuse table (the snapshot writer found it
   * the same in every field: BaseChanges): only the number is kept, and the tree object made from
   * the table if the tree is built (a snapshot stored as a patch of the table's, the usual case,
   * never builds it). `key`: the record's resourceKey.
   */
  addEntry(record: ObjectRecord, entry: number, key = resourceKey(record)): void {
    const group = this.groupOf(record, key);
    if (this.early)
      this.push(group, this.objectOfEntry(entry)); // chunked as it comes: made now
    else group.entries.push(entry);
  }

  private objectOfEntry(entry: number): TreeObject {
    const object = this.entryObject?.(entry);
    if (object === undefined) throw new TypeError(`snapshot writer: reuse table entry ${entry} cannot be read back`);
    return object;
  }

  /** `key`: the record's resourceKey, when the caller has it. */
  add(record: ObjectRecord, blob: string, key = resourceKey(record)): void {
    this.push(this.groupOf(record, key), treeObject(record, blob));
  }

  /** Adds `object` to `group`; with chunks made early, cuts a chunk when it ends one. */
  private push(group: TypeGroup, object: TreeObject): void {
    group.objects.push(object);
    if (!this.early || !group.sorted) return;
    if (group.last !== undefined && compareNames(group.last, object.name) >= 0) {
      group.sorted = false;
      return;
    }
    group.last = object.name;
    if (endsChunk(object.name) || group.objects.length === MAX_CHUNK_OBJECTS) this.cutChunk(group);
  }

  /** Makes a chunk of the group's objects not yet in one (they end a chunk, as chunksOf cuts). */
  private cutChunk(group: TypeGroup): void {
    const { objects } = group;
    const chunk: EarlyChunk = {
      ref: { first: objects[0]?.name ?? "", objects: objects.length, tree: "" },
      bytes: objectsNode(objects),
    };
    group.chunks.push(chunk);
    this.ready.push(chunk);
    group.objects = [];
  }

  /** Stores the chunks made early since the last call. */
  async storeChunks(addTree: AddTree): Promise<void> {
    const ready = this.ready;
    this.ready = [];
    for (const chunk of ready) chunk.ref.tree = await addTree(chunk.bytes);
  }

  /**
   * Stores the tree; resolves with the id snapshot.json names. With `base`, a patch of it when the
   * base is shallower than MAX_PATCH_DEPTH and the patch small enough (PATCH_MAX_SHARE), or the
   * base's own tree when nothing changed; else every node (a root).
   */
  async build(addTree: AddTree, base?: TreeBase): Promise<string> {
    if (this.early && base) throw new TypeError("tree builder: chunks made early cannot be patched onto a base");
    for (const types of this.scopes.values())
      for (const group of types.values()) {
        for (const entry of group.entries) group.objects.push(this.objectOfEntry(entry));
        group.entries = [];
      }
    const patch = base && base.depth < MAX_PATCH_DEPTH ? this.patchOf(base) : undefined;
    const changes = patch?.types.reduce((n, t) => n + t.set.length + t.remove.length, 0) ?? 0;
    const depth = changes === 0 ? base?.depth : patch?.depth;
    this.built = base && patch ? { depth: depth ?? 0, patched: base.patched + changes } : { depth: 0, patched: 0 };
    if (patch && patch.types.length === 0) return patch.base; // nothing changed: the base's tree, stored already
    if (patch) return store(addTree, patch);
    return this.buildRoot(addTree);
  }

  /** The patch turning `base` into this tree; undefined when it would change too much. */
  private patchOf(base: TreeBase): PatchNode | undefined {
    const place = (namespace: string, key: string) => `${namespace}/${key}`;
    const before = new Map<string, Map<string, string>>();
    for (const { record, blob } of base.records) {
      const key = place(record.namespace ?? "", resourceKey(record));
      const names = before.get(key) ?? new Map<string, string>();
      before.set(key, names);
      names.set(record.name, treeObjectText(treeObject(record, blob)));
    }
    const types: PatchType[] = [];
    let objects = 0;
    let changes = 0;
    const typeOf = (group: string, resource: string, namespace: string): PatchType => {
      const type: PatchType = { group, resource, set: [], remove: [] };
      if (namespace !== "") type.namespace = namespace;
      types.push(type);
      return type;
    };
    for (const [namespace, groups] of this.scopes) {
      for (const [key, group] of groups) {
        const old = before.get(place(namespace, key)) ?? new Map<string, string>();
        before.delete(place(namespace, key));
        const type = typeOf(group.group, group.resource, namespace);
        this.checkNames(group, byName(group.objects));
        for (const object of group.objects) {
          const was = old.get(object.name);
          old.delete(object.name);
          if (was !== treeObjectText(object)) type.set.push(object);
        }
        type.remove.push(...old.keys());
        objects += group.objects.length;
      }
    }
    for (const { record } of base.records) {
      const old = before.get(place(record.namespace ?? "", resourceKey(record)));
      if (!old) continue;
      before.delete(place(record.namespace ?? "", resourceKey(record)));
      typeOf(record.group, record.resource, record.namespace ?? "").remove.push(...old.keys());
    }
    const changed = types.filter((t) => t.set.length + t.remove.length > 0);
    for (const type of changed) {
      type.remove.sort(compareNames);
      changes += type.set.length + type.remove.length;
    }
    if (changes * PATCH_MAX_SHARE > objects || base.patched + changes > objects) return undefined;
    changed.sort(compareScopedTypes);
    return { kind: "patch", base: base.tree, depth: base.depth + 1, objects, types: changed };
  }

  /** Stores every node; resolves with the root's id. */
  private async buildRoot(addTree: AddTree): Promise<string> {
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

  /** TypeError naming an object of `sorted` given twice. */
  private checkNames(type: Pick<TypeGroup, "group" | "resource" | "namespace">, sorted: readonly TreeObject[]): void {
    sorted.forEach((object, i) => {
      if (i > 0 && sorted[i - 1]?.name === object.name) {
        const where = type.namespace ? `namespace ${type.namespace}` : "the cluster";
        throw new TypeError(`snapshot writer: ${resourceKey(type)} "${object.name}" in ${where} was given twice`);
      }
    });
  }

  private async storeType(addTree: AddTree, group: TypeGroup): Promise<string> {
    const { group: apiGroup, resource, namespace } = group;
    const type = { group: apiGroup, resource, ...(namespace === undefined ? {} : { namespace }) };
    await this.storeChunks(addTree);
    if (group.sorted && group.chunks.length > 0) {
      if (group.objects.length > 0) this.cutChunk(group);
      await this.storeChunks(addTree);
      return addTree(Buffer.from(typeNodeText({ kind: "type", ...type, chunks: group.chunks.map((c) => c.ref) })));
    }
    const objects = [
      ...group.chunks.flatMap((c) => decodeTreeNode("early chunk", c.bytes, "objects").objects),
      ...group.objects,
    ];
    this.checkNames(type, byName(objects));
    const chunks: ChunkRef[] = [];
    for (const chunk of chunksOf(objects)) {
      const tree = await addTree(objectsNode(chunk));
      chunks.push({ first: chunk[0]?.name ?? "", objects: chunk.length, tree });
    }
    return addTree(Buffer.from(typeNodeText({ kind: "type", ...type, chunks })));
  }
}

/** The bytes of the objects node of `chunk` (canonical, see treeObjectText). */
function objectsNode(chunk: readonly TreeObject[]): Buffer {
  return Buffer.from(`{"kind":"objects","objects":[${chunk.map(treeObjectText).join(",")}]}`);
}
