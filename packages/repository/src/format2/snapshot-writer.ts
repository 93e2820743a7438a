import { hash } from "node:crypto";
import { SnapshotExistsError } from "../errors.js";
import { checkCoordinates, resourceKey, snapshotManifestKey } from "../snapshot/layout.js";
import { isSnapshotId } from "../snapshot/snapshot-id.js";
import type { ObjectStore } from "../stores/object-store.js";
import type { BlobIndex } from "./blob-index.js";
import { encodeIndexFile } from "./index-file.js";
import { storeIndexFile } from "./index-loader.js";
import { blobId, type Format2Keys } from "./keys.js";
import type { SnapshotDraftV2, SnapshotManifestV2 } from "./manifest.js";
import { DEFAULT_FRAME_LEVEL } from "./pack-format.js";
import { BaseChanges } from "./base-changes.js";
import { BlobSource } from "./blob-source.js";
import { canonicalJson } from "./canonical-json.js";
import { type KeptDigests, PackWriter, type PackWriterStats } from "./pack-writer.js";
import {
  type EncodedReuseTable,
  type ReusedBlob,
  ReuseTable,
  ReuseTableBuilder,
  type TableBase,
} from "./reuse-table.js";
import { SnapshotRetention } from "./snapshot-retention.js";
import { findBaseManifest, readTreeBase } from "./tree-base.js";
import { type ObjectRecord, TreeBuilder, treeObject } from "./tree-builder.js";
import { markSnapshot } from "./used-blobs.js";

export interface SnapshotWriterV2Deps {
  store: ObjectStore;
  keys: Format2Keys | null;
  /** The repository's blobs, loaded by loadBlobIndex: blobs found here are not written again. */
  index: BlobIndex;
  /** Pack size (default DEFAULT_PACK_TARGET_BYTES). */
  packTargetBytes?: number;
  /** Frame size (default DEFAULT_FRAME_TARGET_BYTES). */
  packFrameBytes?: number;
  /** zlib level of the frames, 0-9 (default DEFAULT_FRAME_LEVEL). */
  frameLevel?: number;
  /** Where the index was loaded from and cached (index-loader.ts): the new index file joins it. */
  indexCacheDir?: string;
  /** Pack id → the index files listing it (LoadedIndex.listing): with S3 Object Lock, their retention is extended. */
  indexListing?: ReadonlyMap<string, readonly string[]>;
  /**
   * The reuse table of the last snapshot written under the same key (reuse-table.ts), and where
   * to save this one's after its commit (under indexCacheDir; none saved without one).
   */
  reuse?: { key: string; table: ReuseTable };
  /** false: store the whole tree, not a patch of an earlier snapshot's (see findBaseManifest). Default true. */
  patchTree?: boolean;
}

/** One object to back up: its index record (without path and part) and its YAML. */
export interface SnapshotInputObject {
  record: ObjectRecord;
  data: Buffer;
  /** The object's resourceVersion, for the reuse table (none: not in it). */
  resourceVersion?: string;
}

/** The sha256 and blob id of each object of a batch (SnapshotWriterV2.digest), in its order. */
export interface BatchDigests {
  sha256: readonly string[];
  /** The blob ids: the sha256 themselves unless the repository is encrypted. */
  ids: readonly string[];
  /** The YAMLs they are the digests of: add takes them for the same Buffers only. */
  of: readonly Buffer[];
  /** The batch as the compressing thread keeps it (PackWriter.digest): add stores the blobs from there. */
  kept?: KeptDigests;
}

/** An unchanged object: its record, sha256 and bytes those of the blob a reuse table named. */
export interface ReusedObject {
  record: ObjectRecord;
  blob: string;
  resourceVersion: string;
  /** The reuse table's entry findReusable found it as (ReusedBlob.entry). */
  entry?: number;
}

/** A snapshot's tree as stored: its id, depth and patched count, and whether it was made against a base. */
interface StoredTree {
  root: string;
  depth: number;
  patched: number;
  based: boolean;
}

type TypeFields = Pick<ObjectRecord, "group" | "version" | "resource">;

/** A type's names: `group/version/resource` (a reuse table's) and `<resource>[.<group>]` (resourceKey). */
interface TypeNames extends TypeFields {
  identity: string;
  key: string;
}

/**
 * The names of `record`'s type: `last` when it is of the same type (objects come type after type,
 * so each is made once per run of a type, not once per object), else new ones.
 */
function typeNames(last: TypeNames | undefined, record: TypeFields): TypeNames {
  const { group, version, resource } = record;
  if (last && last.group === group && last.version === version && last.resource === resource) return last;
  return { group, version, resource, identity: `${group}/${version}/${resource}`, key: resourceKey(record) };
}

function describe(record: ObjectRecord): string {
  const where = record.namespace ? ` in namespace ${record.namespace}` : "";
  return `${resourceKey(record)} "${record.name}"${where}`;
}

/**
 * Writes one format-2 snapshot: each object's YAML as a data blob (unless the repository has it),
 * then, on commit, the tree, the index file of the packs written, and snapshot.json last.
 */
export class SnapshotWriterV2 {
  private readonly deps: SnapshotWriterV2Deps;
  private readonly packs: PackWriter;
  /** With the tree's chunks made early: the packs of its tree blobs, apart from the data's. */
  private readonly treePacks: PackWriter | undefined;
  private readonly tree: TreeBuilder;
  private readonly counts: Record<string, number> = {};
  private readonly retention: SnapshotRetention | undefined;
  private readonly reuseTable: ReuseTable;
  private readonly nextReuseTable: ReuseTableBuilder;
  /** The changes against the reuse table's snapshot, when the table holds its tree. */
  private readonly changes: BaseChanges | undefined;
  private objects = 0;
  private bytes = 0;
  private lastType: TypeNames | undefined;

  constructor(deps: SnapshotWriterV2Deps) {
    this.deps = deps;
    const packDeps = {
      store: deps.store,
      keys: deps.keys,
      index: deps.index,
      targetBytes: deps.packTargetBytes,
      frameBytes: deps.packFrameBytes,
      level: deps.frameLevel ?? DEFAULT_FRAME_LEVEL,
    };
    this.packs = new PackWriter(packDeps);
    // No base to patch (an empty index has no tree to read): the tree is stored whole, its chunks
    // as the objects arrive, in packs of their own (a reader of the tree fetches no data pack).
    const early = deps.index.size === 0;
    this.tree = new TreeBuilder({
      early,
      entryObject: (entry) => {
        const found = this.reuseTable.all?.entry(entry);
        return found && treeObject(found, found.blob);
      },
    });
    if (early) this.treePacks = new PackWriter(packDeps);
    const { store, index, indexListing: listing = new Map() } = deps;
    if (SnapshotRetention.wanted(store)) this.retention = new SnapshotRetention({ store, index, listing });
    this.reuseTable = deps.reuse?.table ?? ReuseTable.empty();
    this.nextReuseTable = new ReuseTableBuilder(this.reuseTable);
    const { base, all } = this.reuseTable;
    if (base && all && !early && deps.patchTree !== false) this.changes = new BaseChanges(base, all);
  }

  /** Objects the last snapshot of this reuse key stored, whose blobs the repository still has. */
  get reusable(): number {
    return this.reuseTable.size;
  }

  /**
   * The blob, sha256 and bytes stored for this object (group, version, resource, uid) at this
   * resourceVersion by the last snapshot of the same reuse key, if the repository still has it
   * (the table holds only blobs the index held, and an index only grows while a writer writes).
   */
  findReusable(
    object: Pick<ObjectRecord, "group" | "version" | "resource" | "uid">,
    resourceVersion: string,
  ): ReusedBlob | undefined {
    const type = this.typeNames(object).identity;
    return this.reuseTable.find({ type, uid: object.uid, resourceVersion });
  }

  /** Adds objects whose blob the repository has (findReusable): nothing is stored but their tree entries. */
  addReused(batch: readonly ReusedObject[]): void {
    for (const { record, blob, resourceVersion, entry } of batch) {
      checkCoordinates(record); // as addObjects does
      // the table's blobs were looked up when it was loaded, and an index only grows meanwhile
      const known = entry !== undefined && this.reuseTable.holds(entry, blob);
      if (!known && !this.deps.index.has(blob))
        throw new TypeError(`snapshot writer: ${describe(record)}: blob ${blob} is not in the repository`);
      this.retention?.note(blob);
      const same = entry !== undefined && this.changes?.reused(entry, record, resourceVersion, blob) === true;
      if (entry === undefined) this.changes?.add(record, blob);
      this.noteObject(record, blob, resourceVersion, same ? entry : undefined);
    }
  }

  /** The names of `record`'s type (see typeNames). */
  private typeNames(record: TypeFields): TypeNames {
    this.lastType = typeNames(this.lastType, record);
    return this.lastType;
  }

  /** `same`: the object's entry number in the reuse table, which holds what its entry in the next would. */
  private noteObject(record: ObjectRecord, blob: string, resourceVersion: string | undefined, same?: number): void {
    const { identity, key } = this.typeNames(record);
    // an object found the same as its entry in the table: the tree keeps the entry's number
    if (same !== undefined) this.tree.addEntry(record, same, key);
    else this.tree.add(record, blob, key);
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    this.objects += 1;
    this.bytes += record.bytes;
    if (same !== undefined) this.nextReuseTable.addEntry(same);
    else
      this.nextReuseTable.add(
        { type: identity, uid: record.uid, resourceVersion: resourceVersion ?? "" },
        { blob, sha256: record.sha256, bytes: record.bytes },
        record,
      );
  }

  /** Stores a tree blob (see PackWriter.add), noting it for the retention of a locked repository. */
  private async addTreeBlob(data: Buffer): Promise<string> {
    const id = await (this.treePacks ?? this.packs).add("tree", data);
    this.retention?.note(id);
    return id;
  }

  /**
   * The sha256 and blob id of each object of `batch`, computed on the compressing thread (off the
   * thread that serializes; see digestEach), to give to add with the same batch.
   */
  async digest(batch: readonly Pick<SnapshotInputObject, "data">[]): Promise<BatchDigests> {
    const { keys } = this.deps;
    // the key's own 32 bytes: a Buffer posted as it is takes along the whole pool slab it may lie in
    const idKey = keys ? new Uint8Array(keys.idKey) : undefined;
    const of = batch.map((o) => o.data);
    const kept = await this.packs.digest(of, idKey);
    return { sha256: kept.sha256, ids: kept.ids, of, kept };
  }

  /**
   * Adds a batch of objects, one batch at a time; TypeError naming the object when its names,
   * sha256 or bytes are wrong. A record with an empty sha256 gets its YAML's. `digests`: the
   * batch's, from digest (none: each YAML hashed here); TypeError when they are of other YAMLs.
   */
  async add(batch: readonly SnapshotInputObject[], digests?: BatchDigests): Promise<void> {
    if (digests && digests.of.length !== batch.length)
      throw new TypeError(`snapshot writer: ${digests.of.length} digests for ${batch.length} objects`);
    const kept = digests?.kept;
    try {
      await this.addObjects(batch, digests);
    } catch (err) {
      // the thread lets the batch go; the objects added before stay given
      if (kept) this.packs.sendPieces(kept)?.catch(() => {});
      throw err;
    }
    const sending = kept && this.packs.sendPieces(kept);
    if (sending) await sending;
    await this.tree.storeChunks(this.addTree);
  }

  /** add's objects, each checked, its blob given to the packs (from the thread's copy when kept). */
  private async addObjects(batch: readonly SnapshotInputObject[], digests: BatchDigests | undefined): Promise<void> {
    const { keys } = this.deps;
    const kept = digests?.kept;
    for (let i = 0; i < batch.length; i++) {
      const { record, data, resourceVersion } = batch[i] as SnapshotInputObject;
      if (digests && digests.of[i] !== data)
        throw new TypeError(`snapshot writer: ${describe(record)}: the digests given are of another YAML`);
      checkCoordinates(record); // TypeError naming a namespace, resource or name that cannot be a path segment
      const sha256 = digests ? (digests.sha256[i] as string) : hash("sha256", data, "hex");
      if (record.sha256 === "") record.sha256 = sha256;
      if (record.sha256 !== sha256 || record.bytes !== data.length)
        throw new TypeError(`snapshot writer: ${describe(record)}: sha256 or bytes do not match its YAML`);
      // Unencrypted, a blob's id is its sha256: checked just now, not computed again.
      const blob = digests ? (digests.ids[i] as string) : keys === null ? sha256 : blobId(keys, data);
      if (kept) this.packs.putPiece(kept, i, blob);
      else {
        // most blobs are only gathered: nothing to wait for
        const placing = this.packs.put("data", data, blob);
        if (placing) await placing;
      }
      this.retention?.note(blob);
      this.changes?.add(record, blob);
      this.noteObject(record, blob, resourceVersion);
    }
  }

  /**
   * Lets go of what this writer holds on the compressing thread (its open packs, the batches
   * kept): after a failure. A no-op once committed.
   */
  abort(): void {
    this.packs.abort();
    this.treePacks?.abort();
  }

  /** Stores a tree node (see AddTree). */
  private readonly addTree = (node: Buffer) => this.addTreeBlob(node);

  /** Stores the tree, the remaining pack, the index file, then snapshot.json (SnapshotExistsError when taken). */
  async commit(draft: SnapshotDraftV2): Promise<SnapshotManifestV2> {
    if (!isSnapshotId(draft.id)) throw new TypeError(`snapshot writer: not a snapshot id: "${draft.id}"`);
    const markerKey = snapshotManifestKey(draft.id);
    if (await this.deps.store.stat(markerKey)) throw new SnapshotExistsError(draft.id);
    const { manifest, retainUntil, reuseTable } = await this.sealed(draft, true);
    if (!(await this.deps.store.putIfAbsent(markerKey, encodeManifestV2(manifest), { retainUntil })))
      throw new SnapshotExistsError(draft.id);
    await reuseTable?.save().catch(() => {}); // a failure only costs the next backup its reuse
    return manifest;
  }

  /** This snapshot's reuse table, to save after its commit; none without a reuse key and a cache directory. */
  private encodeReuseTable(base: TableBase): EncodedReuseTable | undefined {
    const { reuse, indexCacheDir: cacheDir, keys } = this.deps;
    if (reuse === undefined || cacheDir === undefined) return undefined;
    try {
      return this.nextReuseTable.encode({ cacheDir, keys, key: reuse.key }, base);
    } catch {
      return undefined; // as a failed save: the next backup reads and stores every object
    }
  }

  /**
   * Stores the tree, the remaining pack and the index file, and resolves with the snapshot.json
   * to write, but writes no snapshot.json: a migration replaces a format-1 one with it.
   */
  async seal(draft: SnapshotDraftV2): Promise<SnapshotManifestV2> {
    return (await this.sealed(draft)).manifest;
  }

  /**
   * seal, and the time S3 Object Lock retains the packs and index file until (snapshot.json gets
   * the same); `withReuseTable`: also the reuse table's bytes, made while the last packs upload.
   */
  private async sealed(
    draft: SnapshotDraftV2,
    withReuseTable = false,
  ): Promise<{ manifest: SnapshotManifestV2; retainUntil?: Date; reuseTable?: EncodedReuseTable }> {
    // its upload goes on while the base is read and the tree built
    await (this.treePacks ? this.packs.close() : this.packs.closeIfLarge());
    const patch = this.deps.patchTree !== false && this.treePacks === undefined; // an empty index has no base
    const baseManifest = patch ? await findBaseManifest(this.deps, draft) : undefined;
    const { root, depth, patched, based } = await this.storeTree(baseManifest);
    if (baseManifest && based && this.retention) {
      const used = new Map<string, string>();
      // a patch references the base's tree blobs
      await markSnapshot(new BlobSource(this.deps), baseManifest, used);
      for (const id of used.keys()) this.retention.note(id);
    }
    // The index file and the reuse table are made while the last packs upload; the index file is
    // stored once they are (it must never name a pack the store lacks).
    const sealedPacks = [...(await this.packs.close()), ...((await this.treePacks?.close()) ?? [])];
    const encodedIndex = sealedPacks.length === 0 ? undefined : encodeIndexFile(this.deps.keys, sealedPacks);
    const tableBase = { snapshot: draft.id, tree: root, depth, patched };
    const reuseTable = withReuseTable ? this.encodeReuseTable(tableBase) : undefined;
    const written = sumStats(await Promise.all([this.packs.finish(), this.treePacks?.finish()]));
    const indexFile = await storeIndexFile({ ...this.deps, cacheDir: this.deps.indexCacheDir }, encodedIndex);
    const locked = await this.retention?.extend(
      written.packs.map((p) => p.id),
      indexFile?.id,
    );
    const manifest: SnapshotManifestV2 = {
      ...draft,
      formatVersion: 2,
      counts: this.counts,
      objects: this.objects,
      bytes: this.bytes,
      storedBytes: written.storedBytes + (indexFile?.bytes ?? 0),
      tree: root,
      indexes: indexFile ? [indexFile.id] : [],
      added: { blobs: written.blobsWritten, packs: written.packs.length },
    };
    return { manifest, retainUntil: locked?.until, reuseTable };
  }

  /**
   * Stores the tree: with `base` (findBaseManifest's), as a patch of its tree when the reuse table
   * was saved for it (BaseChanges, no base tree read), else as TreeBuilder.build makes it with the
   * base tree read whole. Resolves with its id, depth and patched count.
   */
  private async storeTree(base: SnapshotManifestV2 | undefined): Promise<StoredTree> {
    const { addTree } = this;
    const fast = base && this.changes?.patchFor(base, this.objects);
    const cached = this.changes?.base;
    if (base && fast && cached) {
      if (fast.kind === "same") return { root: base.tree, depth: cached.depth, patched: cached.patched, based: true };
      if (fast.kind === "patch") {
        const root = await addTree(canonicalJson(fast.node as never));
        return { root, depth: fast.node.depth, patched: cached.patched + fast.changes, based: true };
      }
      return { root: await this.tree.build(addTree), depth: 0, patched: 0, based: true };
    }
    const read = base && (await readTreeBase(this.deps, base));
    const root = await this.tree.build(addTree, read);
    return { root, ...this.tree.built, based: read !== undefined };
  }
}

/** What the data packs' writer and the tree packs' writer (if any) stored, together. */
function sumStats([data, tree]: [PackWriterStats, PackWriterStats | undefined]): PackWriterStats {
  if (tree === undefined) return data;
  return {
    packs: [...data.packs, ...tree.packs],
    blobsWritten: data.blobsWritten + tree.blobsWritten,
    blobsReused: data.blobsReused + tree.blobsReused,
    storedBytes: data.storedBytes + tree.storedBytes,
  };
}

/** The bytes of a format-2 snapshot.json. */
export function encodeManifestV2(manifest: SnapshotManifestV2): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
}

/** Writes the snapshot of `objects` and commits it (see SnapshotWriterV2). */
export async function writeSnapshotV2(
  deps: SnapshotWriterV2Deps,
  draft: SnapshotDraftV2,
  objects: AsyncIterable<SnapshotInputObject> | Iterable<SnapshotInputObject>,
): Promise<SnapshotManifestV2> {
  const writer = new SnapshotWriterV2(deps);
  try {
    for await (const object of objects) await writer.add([object]);
    return await writer.commit(draft);
  } finally {
    writer.abort(); // after a failure: the compressing thread lets go of its open packs
  }
}
