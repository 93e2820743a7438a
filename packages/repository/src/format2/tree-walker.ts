import type { IndexRecord } from "../archive/types.js";
import { IntegrityError, RepositoryFormatError, UnsafePathError } from "../errors.js";
import { checkArchivePath, segmentProblem } from "../safe-path.js";
import { checkLayoutShape, pathFor, resourceKey, snapshotManifestKey } from "../snapshot/layout.js";
import type { BlobSource } from "./blob-source.js";
import { fetchChainAhead } from "./chain-ahead.js";
import type { SnapshotManifestV2 } from "./manifest.js";
import { compareNames } from "./canonical-json.js";
import {
  compareScopedTypes,
  decodeTopNode,
  decodeTreeNode,
  type PatchNode,
  type PatchType,
  type RootNode,
  type TreeObject,
  type TreeNode,
  type TreeRef,
  type TypeNode,
} from "./tree-nodes.js";

/** An object as the tree records it: its index record (part still unknown) and its YAML's blob. */
export interface TreeRecord {
  record: Omit<IndexRecord, "part">;
  blob: string;
}

type NodeOf<K extends TreeNode["kind"]> = Extract<TreeNode, { kind: K }>;

/** The nodes of `ids`, all of `kind`, read pack after pack (see BlobSource.eachBlob). */
async function nodes<K extends TreeNode["kind"]>(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  ids: readonly string[],
  kind: K,
): Promise<(id: string) => NodeOf<K>> {
  const found = new Map<string, NodeOf<K>>();
  await source.eachBlob(snapshotManifestKey(manifest.id), ids, "tree", (id, data) => {
    found.set(id, decodeTreeNode(`tree blob ${id}`, data, kind));
  });
  return (id) => found.get(id) as NodeOf<K>;
}

/** The archive path of an object, every segment checked as safe-path.ts and layout.ts check archive entries. */
function objectPath(type: TypeNode | PatchType, name: string): string {
  const shown = `${type.namespace ?? "cluster"}/${resourceKey(type)}/${name}`;
  const optional = [type.group, type.namespace ?? "-"].filter((s) => s !== "");
  for (const segment of [type.resource, name, ...optional]) {
    const problem = segmentProblem(segment);
    if (problem !== undefined) throw new UnsafePathError(shown, problem);
  }
  const path = checkArchivePath(pathFor({ ...type, name }));
  checkLayoutShape(path);
  return path;
}

interface TypeRef {
  ref: TreeRef;
  namespace?: string;
}

/** The type references of `root`, cluster-scoped first, then namespace after namespace. */
async function typeRefs(source: BlobSource, manifest: SnapshotManifestV2, root: RootNode): Promise<TypeRef[]> {
  const namespace = await nodes(
    source,
    manifest,
    root.namespaces.map((r) => r.tree),
    "namespace",
  );
  const refs: TypeRef[] = root.cluster.map((ref) => ({ ref }));
  for (const { name, tree } of root.namespaces) {
    const node = namespace(tree);
    if (node.name !== name)
      throw new RepositoryFormatError(`tree blob ${tree}`, `namespace node is not namespace ${name}`);
    refs.push(...node.types.map((ref) => ({ ref, namespace: name })));
  }
  return refs;
}

/**
 * The type nodes of `refs`, each checked to be the type and namespace its reference names, and
 * their objects counted against `objects`.
 */
async function typeNodes(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  refs: TypeRef[],
  objects: number | undefined,
): Promise<TypeNode[]> {
  const type = await nodes(
    source,
    manifest,
    refs.map((t) => t.ref.tree),
    "type",
  );
  const types = refs.map(({ ref, namespace }) => {
    const node = type(ref.tree);
    if (resourceKey(node) !== ref.name || node.namespace !== namespace)
      throw new RepositoryFormatError(
        `tree blob ${ref.tree}`,
        `type node is not ${ref.name} of ${namespace ?? "the cluster"}`,
      );
    return node;
  });
  const counted = types.reduce((sum, t) => sum + t.chunks.reduce((n, c) => n + c.objects, 0), 0);
  if (objects !== undefined && counted !== objects)
    throw new IntegrityError(snapshotManifestKey(manifest.id), `tree holds ${counted} objects, ${objects} expected`);
  return types;
}

/** The record of `object` of `type`, its path checked. */
function treeRecord(type: TypeNode | PatchType, { blob, ...object }: TreeObject): TreeRecord {
  const path = objectPath(type, object.name);
  const record = { path, group: type.group, resource: type.resource, ...object };
  return { record: type.namespace === undefined ? record : { ...record, namespace: type.namespace }, blob };
}

/**
 * Chunk nodes a streaming walk (eachTreeObject) decodes at once: about 8 objects each (at most
 * MAX_CHUNK_OBJECTS), so some thousands of objects are held however big the tree. @defaultValue 256
 */
export const STREAM_CHUNKS = 256;

/**
 * Calls `visit` with each object of the tree under `root`, `objects` of them when given (see
 * walkTree), reading its chunk nodes `batch` at a time (in walk order, each batch pack after pack)
 * and dropping each batch once visited. The namespace and type nodes are all read, and the object
 * count checked, before any chunk.
 */
async function eachRootObject(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  root: RootNode,
  objects: number | undefined,
  batch: number,
  visit: (record: TreeRecord) => void,
): Promise<void> {
  const types = await typeNodes(source, manifest, await typeRefs(source, manifest, root), objects);
  const refs = types.flatMap((type) => type.chunks.map((ref) => ({ type, ref })));
  for (let at = 0; at < refs.length; at += batch) {
    const slice = refs.slice(at, at + batch);
    const chunk = await nodes(
      source,
      manifest,
      slice.map((c) => c.ref.tree),
      "objects",
    );
    for (const { type, ref } of slice) {
      const { objects } = chunk(ref.tree);
      if (objects.length !== ref.objects || objects[0]?.name !== ref.first)
        throw new RepositoryFormatError(`tree blob ${ref.tree}`, "chunk does not match its reference in the type node");
      for (const object of objects) visit(treeRecord(type, object));
    }
  }
}

/** The objects of the tree under `root`, `objects` of them when given (see walkTree): every chunk read at once. */
async function walkRoot(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  root: RootNode,
  objects: number | undefined,
): Promise<TreeRecord[]> {
  const records: TreeRecord[] = [];
  await eachRootObject(source, manifest, root, objects, Number.POSITIVE_INFINITY, (r) => records.push(r));
  return records;
}

/** Walk order: cluster-scoped types first, then namespace after namespace, each type in name order. */
function compareRecords(a: TreeRecord, b: TreeRecord): number {
  return compareScopedTypes(a.record, b.record) || compareNames(a.record.name, b.record.name);
}

/** `a` and `b`, each in walk order, merged in walk order. */
function mergeRecords(a: readonly TreeRecord[], b: readonly TreeRecord[]): TreeRecord[] {
  const out: TreeRecord[] = [];
  let [i, j] = [0, 0];
  while (i < a.length && j < b.length)
    out.push(
      compareRecords(a[i] as TreeRecord, b[j] as TreeRecord) <= 0 ? (a[i++] as TreeRecord) : (b[j++] as TreeRecord),
    );
  while (i < a.length) out.push(a[i++] as TreeRecord);
  while (j < b.length) out.push(b[j++] as TreeRecord);
  return out;
}

/**
 * `records` (a root's, in walkTree's order) with `patches` applied oldest first, each checked
 * against what it holds below it; one map over every patch, so that the cost of a chain grows
 * with the objects its patches set, not with its depth times the objects. The root's objects
 * still held keep their order (an object set again keeps its place), and only the objects the
 * root does not hold are sorted and merged in: no sort of every object.
 */
function applyPatches(records: TreeRecord[], patches: readonly { id: string; node: PatchNode }[]): TreeRecord[] {
  if (patches.length === 0) return records;
  const place = (r: { namespace?: string; group: string; resource: string }, name: string) =>
    `${r.namespace ?? ""}/${resourceKey(r)}/${name}`;
  const places = records.map((r) => place(r.record, r.record.name));
  const byPlace = new Map(records.map((r, i) => [places[i] as string, r]));
  for (const { id, node: patch } of patches) {
    const key = `tree blob ${id}`;
    for (const type of patch.types) {
      for (const name of type.remove) {
        if (!byPlace.delete(place(type, name)))
          throw new RepositoryFormatError(key, `patch removes ${place(type, name)}, which its base does not hold`);
      }
      for (const object of type.set) byPlace.set(place(type, object.name), treeRecord(type, object));
    }
    if (byPlace.size !== patch.objects)
      throw new RepositoryFormatError(
        key,
        `patched tree holds ${byPlace.size} objects, the patch says ${patch.objects}`,
      );
  }
  const kept: TreeRecord[] = [];
  for (const at of places) {
    const now = byPlace.get(at);
    if (now === undefined) continue;
    kept.push(now);
    byPlace.delete(at);
  }
  return byPlace.size === 0 ? kept : mergeRecords(kept, [...byPlace.values()].sort(compareRecords));
}

/** A snapshot's objects, how many patches its tree has on top of its root (0: none), and the objects they set or remove. */
export interface ReadTree {
  depth: number;
  records: TreeRecord[];
  patched: number;
}

export interface ReadTreeOptions {
  /**
   * Fetch the packs a patch chain likely lies in at once, while its nodes are read one after
   * another (fetchChainAhead): for a reader of a whole snapshot, not one comparing a few.
   */
  chainAhead?: boolean;
}

/**
 * Reads a snapshot's tree (see walkTree) and its depth: its patches are read one after another
 * down to the root, each checked to be one shallower than the one above it.
 */
export async function readTree(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  options: ReadTreeOptions = {},
): Promise<ReadTree> {
  const { root, patches } = await readChain(source, manifest, options);
  const records = applyPatches(
    await walkRoot(source, manifest, root, patches.length ? undefined : manifest.objects),
    patches,
  );
  const patched = patches.reduce((n, p) => n + p.node.types.reduce((m, t) => m + t.set.length + t.remove.length, 0), 0);
  return { depth: patches.length, records, patched };
}

/**
 * A snapshot's root node and the patches above it, oldest first: read one after another down to
 * the root, each checked to be one shallower than the one above it, the top one's object count
 * against snapshot.json.
 */
async function readChain(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  options: ReadTreeOptions,
): Promise<{ root: RootNode; patches: { id: string; node: PatchNode }[] }> {
  const patches: { id: string; node: PatchNode }[] = [];
  let id = manifest.tree;
  for (;;) {
    const data = await source.blob(snapshotManifestKey(manifest.id), id, "tree");
    const node = decodeTopNode(`tree blob ${id}`, data);
    const above = patches.at(-1)?.node;
    if (!above && node.kind === "patch" && options.chainAhead) void fetchChainAhead(source, manifest, node.depth);
    if (above && (node.kind === "root" ? 0 : node.depth) !== above.depth - 1)
      throw new RepositoryFormatError(
        `tree blob ${above.base}`,
        `is not at depth ${above.depth - 1}, its patch's base`,
      );
    if (node.kind === "patch" && !above && node.objects !== manifest.objects)
      throw new IntegrityError(
        snapshotManifestKey(manifest.id),
        `tree holds ${node.objects} objects, snapshot.json says ${manifest.objects}`,
      );
    if (node.kind === "root") return { root: node, patches: patches.reverse() };
    patches.push({ id, node });
    id = node.base;
  }
}

/**
 * Calls `visit` with each object of a snapshot's tree, in walkTree's order and with its records,
 * every check walkTree makes made; for a tree that is a root (a whole tree), without holding the
 * tree: its chunk nodes are read STREAM_CHUNKS at a time and dropped once visited. A tree that is
 * a patch is read whole (as walkTree reads it, but its root's chunk nodes a batch at a time, never
 * all decoded at once) and then visited. A damaged tree is refused as walkTree refuses
 * it, but possibly after some of its objects were visited: a caller keeps nothing it was given
 * when this throws.
 */
export async function eachTreeObject(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  visit: (record: TreeRecord) => void,
  options: ReadTreeOptions = {},
): Promise<void> {
  const { root, patches } = await readChain(source, manifest, options);
  if (patches.length === 0) return eachRootObject(source, manifest, root, manifest.objects, STREAM_CHUNKS, visit);
  const records: TreeRecord[] = []; // the root's records, its chunk nodes still read a batch at a time
  await eachRootObject(source, manifest, root, undefined, STREAM_CHUNKS, (r) => records.push(r));
  for (const record of applyPatches(records, patches)) visit(record);
}

/**
 * The objects of a snapshot's tree, cluster-scoped types first, then namespace after namespace,
 * each in name order. Patches are read down to their root (readTree); under the root the tree is
 * read level by level (namespaces, types, chunks), each level pack after pack; every tree blob is
 * checked against its id, every node's fields, references and paths checked, and the object
 * count against snapshot.json (for a whole tree, before the chunks are read).
 */
export async function walkTree(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  options?: ReadTreeOptions,
): Promise<TreeRecord[]> {
  return (await readTree(source, manifest, options)).records;
}
