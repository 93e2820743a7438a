import type { RecordFields } from "../archive/index-record.js";
import { IntegrityError, RepositoryFormatError, UnsafePathError } from "../errors.js";
import { checkArchivePath, segmentProblem } from "../safe-path.js";
import { checkLayoutShape, pathFor, resourceKey, snapshotManifestKey } from "../snapshot/layout.js";
import type { BlobSource } from "./blob-source.js";
import { earlierTrees, fetchChainAhead } from "./chain-ahead.js";
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
  record: RecordFields;
  blob: string;
}

type NodeOf<K extends TreeNode["kind"]> = Extract<TreeNode, { kind: K }>;

/** The nodes of `ids`, all of `kind`, read pack after pack (see BlobSource.eachBlob). */
async function nodes<K extends TreeNode["kind"]>(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  ids: readonly string[],
  kind: K,
  thread = false,
): Promise<(id: string) => NodeOf<K>> {
  const found = new Map<string, NodeOf<K>>();
  const decode = (id: string, data: Buffer) => void found.set(id, decodeTreeNode(`tree blob ${id}`, data, kind));
  await source.eachBlob(snapshotManifestKey(manifest.id), ids, "tree", decode, { thread });
  return (id) => found.get(id) as NodeOf<K>;
}

/** The directory of each type node's objects' paths, its segments checked once (objectPath). */
const TYPE_DIRS = new WeakMap<TypeNode | PatchType, string>();

/** UnsafePathError for an object whose path would hold `segment`, unless it is a safe one. */
function checkSegmentOf(type: TypeNode | PatchType, name: string, segment: string): void {
  const problem = segmentProblem(segment);
  if (problem !== undefined)
    throw new UnsafePathError(`${type.namespace ?? "cluster"}/${resourceKey(type)}/${name}`, problem);
}

/** The archive path of an object, every segment checked as safe-path.ts and layout.ts check archive entries. */
function objectPath(type: TypeNode | PatchType, name: string): string {
  checkSegmentOf(type, name, name);
  let dir = TYPE_DIRS.get(type);
  if (dir === undefined) {
    for (const segment of [type.resource, type.group, type.namespace ?? "-"])
      if (segment !== "") checkSegmentOf(type, name, segment);
    dir = pathFor({ ...type, name }).slice(0, -`${name}.yaml`.length);
    TYPE_DIRS.set(type, dir);
  }
  const path = checkArchivePath(`${dir}${name}.yaml`);
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

/**
 * The record of `object` of `type`, its path checked: only the fields a tree object has, so that
 * a field a forged one adds (a `path`, a `namespace` on a cluster-scoped type) is not taken.
 */
export function treeRecord(type: TypeNode | PatchType, object: TreeObject): TreeRecord {
  const { group, resource, namespace } = type;
  const { name, version, kind, uid, ownerReferences, sha256, bytes, blob } = object;
  const path = objectPath(type, name);
  // field by field, as indexRecord makes records (its comment says why)
  const record: RecordFields = { path, group, version, resource, kind, name, uid, sha256, bytes };
  if (namespace !== undefined) record.namespace = namespace;
  if (ownerReferences !== undefined) record.ownerReferences = ownerReferences;
  // Unencrypted, a blob's id is its YAML's sha256: one string held for both, not two.
  return { record, blob: blob === sha256 ? sha256 : blob };
}

/**
 * Chunk nodes a streaming walk (eachTreeObject) decodes at once: about 8 objects each (at most
 * MAX_CHUNK_OBJECTS), so some thousands of objects are held however big the tree. @defaultValue 256
 */
export const STREAM_CHUNKS = 256;

/**
 * Calls `visit` with each object under the type nodes `types` (rootTypes: all read, and the
 * object count checked, before any chunk) and the index of its type node, reading their chunk
 * nodes `batch` at a time (in walk order, each batch pack after pack) and dropping each batch once
 * visited.
 */
async function eachRootObject(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  types: readonly TypeNode[],
  batch: number,
  visit: (record: TreeRecord, type: number) => void,
  { pause, thread }: StreamOptions = {},
): Promise<void> {
  const refs = types.flatMap((type, i) => type.chunks.map((ref) => ({ type, i, ref })));
  for (let at = 0; at < refs.length; at += batch) {
    await pause?.();
    const slice = refs.slice(at, at + batch);
    const chunk = await nodes(
      source,
      manifest,
      slice.map((c) => c.ref.tree),
      "objects",
      thread,
    );
    for (const { type, i, ref } of slice) {
      const { objects } = chunk(ref.tree);
      if (objects.length !== ref.objects || objects[0]?.name !== ref.first)
        throw new RepositoryFormatError(`tree blob ${ref.tree}`, "chunk does not match its reference in the type node");
      for (const object of objects) visit(treeRecord(type, object), i);
    }
  }
}

/** The type nodes under `root`, `objects` objects in all when given (typeNodes). */
async function rootTypes(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  root: RootNode,
  objects: number | undefined,
): Promise<TypeNode[]> {
  return typeNodes(source, manifest, await typeRefs(source, manifest, root), objects);
}

/** The objects of the tree under `root`, `objects` of them when given (see walkTree): every chunk read at once. */
async function walkRoot(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  root: RootNode,
  objects: number | undefined,
): Promise<TreeRecord[]> {
  const records: TreeRecord[] = [];
  const types = await rootTypes(source, manifest, root, objects);
  await eachRootObject(source, manifest, types, Number.POSITIVE_INFINITY, (r) => records.push(r));
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

/** An object's namespace, type and name, as a patch's error names it. */
const placeOf = (r: { namespace?: string; group: string; resource: string }, name: string) =>
  `${r.namespace ?? ""}/${resourceKey(r)}/${name}`;

/**
 * The archive path an object removed by a patch would have, unchecked: a name or type that breaks
 * the layout gives a key no record's (checked) path has, so the remove finds nothing to remove.
 */
const pathKey = (type: PatchType, name: string) =>
  type.namespace === undefined || type.namespace === ""
    ? `cluster/${resourceKey(type)}/${name}.yaml`
    : `namespaces/${type.namespace}/${resourceKey(type)}/${name}.yaml`;

/**
 * `records` (a root's, in walkTree's order, or those of some of its types) with the patch types
 * `levels` (oldest patch first, each with its blob id) applied, each remove checked against what
 * it holds below it; `after(level, size)` is called once each level is applied, with how many
 * objects are then held. One map over every level, so that the cost of a chain grows with the
 * objects its patches set, not with its depth times the objects. The objects of `records` still
 * held keep their order (an object set again keeps its place), and only the objects `records`
 * does not hold are sorted and merged in: no sort of every object.
 */
function patchRecords(
  records: TreeRecord[],
  levels: readonly { id: string; types: readonly PatchType[] }[],
  after: (level: number, size: number) => void,
): TreeRecord[] {
  if (levels.length === 0) return records;
  // Keyed by archive path, which names one namespace, type and name (its segments hold no "/"):
  // the records' own paths, no key built an object.
  const byPlace = new Map<string, TreeRecord>();
  for (const r of records) byPlace.set(r.record.path, r);
  levels.forEach(({ id, types }, level) => {
    for (const type of types) {
      for (const name of type.remove) {
        if (!byPlace.delete(pathKey(type, name)))
          throw new RepositoryFormatError(
            `tree blob ${id}`,
            `patch removes ${placeOf(type, name)}, which its base does not hold`,
          );
      }
      for (const object of type.set) {
        const record = treeRecord(type, object);
        byPlace.set(record.record.path, record);
      }
    }
    after(level, byPlace.size);
  });
  const kept: TreeRecord[] = [];
  for (const { record } of records) {
    const now = byPlace.get(record.path);
    if (now === undefined) continue;
    kept.push(now);
    byPlace.delete(record.path);
  }
  return byPlace.size === 0 ? kept : mergeRecords(kept, [...byPlace.values()].sort(compareRecords));
}

/** The error of a patch whose tree, once patched, does not hold the objects it says. */
function patchedCount(id: string, size: number, patch: PatchNode): RepositoryFormatError {
  return new RepositoryFormatError(
    `tree blob ${id}`,
    `patched tree holds ${size} objects, the patch says ${patch.objects}`,
  );
}

/** `records` (a root's, in walkTree's order) with `patches` applied oldest first (patchRecords), each one's count checked. */
function applyPatches(records: TreeRecord[], patches: readonly { id: string; node: PatchNode }[]): TreeRecord[] {
  return patchRecords(
    records,
    patches.map(({ id, node }) => ({ id, types: node.types })),
    (level, size) => {
      const { id, node } = patches[level] as { id: string; node: PatchNode };
      if (size !== node.objects) throw patchedCount(id, size, node);
    },
  );
}

/** A snapshot's objects, how many patches its tree has on top of its root (0: none), and the objects they set or remove. */
export interface ReadTree {
  depth: number;
  records: TreeRecord[];
  patched: number;
}

export interface ReadTreeOptions {
  /**
   * Fetch the top node's pack whole, and the packs a patch chain likely lies in at once, while
   * its nodes are read one after another (fetchChainAhead): for a reader of a whole snapshot, not
   * one comparing a few.
   */
  chainAhead?: boolean;
  /**
   * With `chainAhead`: the snapshot's earlierTrees, when its reader started reading them already
   * (while the index loaded); otherwise they are read once the top node is found to be a patch.
   */
  earlierTrees?: Promise<(string | undefined)[]>;
  /**
   * Awaited before each batch of chunk nodes a streaming walk (eachTreeObject) reads: a reader
   * that takes the objects more slowly than they are walked holds the walk there (a rejection
   * stops it, and eachTreeObject rejects with it).
   */
  pause?: () => Promise<void> | undefined;
  /** A streaming walk's chunk nodes decoded and checked on the frame thread (BlobSource.eachBlob's `thread`). */
  thread?: boolean;
  /**
   * Called by a streaming walk (eachTreeObject) with the ids of the tree's patches, newest first,
   * once its chain is read and before any object is visited (with none for a whole tree).
   */
  chain?: (patches: readonly string[]) => void;
}

/** What a streaming walk (eachTreeObject) takes of ReadTreeOptions below the root. */
type StreamOptions = Pick<ReadTreeOptions, "pause" | "thread">;

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
  // A whole read wants the top node's pack whole: with a patch it holds that snapshot's changed
  // objects, which every window of a download takes a few of.
  const top = options.chainAhead ? source.where(id) : undefined;
  if (top) source.prefetch([top.pack]);
  for (;;) {
    const data = await source.blob(snapshotManifestKey(manifest.id), id, "tree");
    const node = decodeTopNode(`tree blob ${id}`, data);
    const above = patches.at(-1)?.node;
    if (!above && node.kind === "patch" && options.chainAhead)
      void fetchChainAhead(
        source,
        node.depth,
        options.earlierTrees ?? earlierTrees(source.store, manifest, node.depth),
      );
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
 * a patch is patched type by type (eachPatchedObject): one type's objects held at a time, unless
 * its keys could stand for two types (streamable), when it is read whole as walkTree reads it and
 * then visited. A damaged tree is refused as walkTree refuses it, but possibly after some of its
 * objects were visited (a patch's count is checked once all are), and where it has two faults
 * maybe for another one: a caller keeps nothing it was given when this throws.
 */
export async function eachTreeObject(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  visit: (record: TreeRecord) => void,
  options: ReadTreeOptions = {},
): Promise<void> {
  const { root, patches } = await readChain(source, manifest, options);
  options.chain?.(patches.map(({ id }) => id).reverse());
  const stream = { pause: options.pause, thread: options.thread };
  if (patches.length === 0) {
    await eachRootObject(
      source,
      manifest,
      await rootTypes(source, manifest, root, manifest.objects),
      STREAM_CHUNKS,
      visit,
      stream,
    );
    return;
  }
  const types = await rootTypes(source, manifest, root, undefined);
  if (streamable(types, patches)) return eachPatchedObject(source, manifest, types, patches, visit, stream);
  const records: TreeRecord[] = []; // the root's records, its chunk nodes still read a batch at a time
  await eachRootObject(source, manifest, types, STREAM_CHUNKS, (r) => records.push(r), stream);
  for (const record of applyPatches(records, patches)) visit(record);
}

/**
 * Calls `visit` with each object of the root whose type nodes are `types` with `patches` on top
 * (oldest first), as applyPatches gives them: type by type (of one namespace or of the cluster),
 * each type's objects patched (patchRecords) once all its root objects are read, the types only
 * patches hold merged in in walk order; the patches' counts checked at the end, summed over types.
 */
async function eachPatchedObject(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  types: readonly TypeNode[],
  patches: readonly { id: string; node: PatchNode }[],
  visit: (record: TreeRecord) => void,
  stream: StreamOptions,
): Promise<void> {
  const groupOf = (t: { namespace?: string; group: string; resource: string }) => placeOf(t, "");
  const none = () => patches.map(({ id }) => ({ id, types: [] as PatchType[] }));
  const levels = new Map<string, { id: string; types: PatchType[] }[]>();
  patches.forEach(({ node }, level) => {
    for (const type of node.types) {
      const list = levels.get(groupOf(type)) ?? none();
      list[level]?.types.push(type);
      levels.set(groupOf(type), list);
    }
  });
  const sizes = patches.map(() => 0);
  const visitPatched = (group: string, records: TreeRecord[]) => {
    const after = (level: number, size: number) => {
      sizes[level] = (sizes[level] as number) + size;
    };
    for (const record of patchRecords(records, levels.get(group) ?? none(), after)) visit(record);
  };
  const inRoot = new Set(types.map(groupOf));
  const news = [...levels.values()]
    .map((list) => list.flatMap((l) => l.types)[0] as PatchType)
    .filter((type) => !inRoot.has(groupOf(type)))
    .sort(compareScopedTypes);
  let held = { type: 0, records: [] as TreeRecord[] };
  /** Visits the root's types below `type` not visited yet, each after the types only patches hold that sort before it. */
  const visitUpTo = (type: number) => {
    for (; held.type < type; held = { type: held.type + 1, records: [] }) {
      const node = types[held.type] as TypeNode;
      while (news.length > 0 && compareScopedTypes(news[0] as PatchType, node) < 0)
        visitPatched(groupOf(news.shift() as PatchType), []);
      visitPatched(groupOf(node), held.records);
    }
  };
  await eachRootObject(
    source,
    manifest,
    types,
    STREAM_CHUNKS,
    (record, type) => {
      visitUpTo(type);
      held.records.push(record);
    },
    stream,
  );
  visitUpTo(types.length);
  for (const type of news) visitPatched(groupOf(type), []);
  patches.forEach(({ id, node }, level) => {
    if (sizes[level] !== node.objects) throw patchedCount(id, sizes[level] as number, node);
  });
}

/**
 * Whether a chain's objects can be patched type by type (eachTreeObject) with applyPatches's
 * outcome: applyPatches keys objects by `namespace/type/name`, so no key may stand for two types
 * (a "/" in a namespace, group, resource or name, an empty namespace, or two (group, resource)
 * pairs of one `<resource>[.<group>]`); a chain that has one is read whole.
 */
function streamable(types: readonly TypeNode[], patches: readonly { node: PatchNode }[]): boolean {
  const seen = new Map<string, string>();
  const fits = (t: { namespace?: string; group: string; resource: string }) => {
    if (t.namespace === "" || [t.namespace ?? "", t.group, t.resource].some((s) => s.includes("/"))) return false;
    const key = placeOf(t, "");
    const exact = JSON.stringify([t.namespace ?? null, t.group, t.resource]);
    const was = seen.get(key);
    seen.set(key, exact);
    return was === undefined || was === exact;
  };
  return (
    types.every(fits) &&
    patches.every(({ node }) =>
      node.types.every(
        (t) => fits(t) && t.remove.every((n) => !n.includes("/")) && t.set.every((o) => !o.name.includes("/")),
      ),
    )
  );
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
