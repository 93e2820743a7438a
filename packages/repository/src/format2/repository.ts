import type { IndexRecord } from "../archive/types.js";
import type { PathsAndBlobs, SnapshotObject } from "../snapshot/types.js";
import type { ObjectStore } from "../stores/object-store.js";
import { earlierTrees } from "./chain-ahead.js";
import { startFrameThread } from "./frame-thread.js";
import { type LoadedIndex, loadBlobIndex } from "./index-loader.js";
import type { Format2Keys } from "./keys.js";
import { acquireLock, type LockKind, type RepositoryLock } from "./lock.js";
import type { SnapshotDraftV2, SnapshotManifestV2 } from "./manifest.js";
import { type Format2Config, type Format2ConfigOptions, openFormat2Config } from "./repository-config.js";
import { type PruneOptions, type PruneReport, pruneRepository } from "./prune.js";
import { type ObjectsFilter, readManifestV2, SnapshotReaderV2 } from "./snapshot-reader.js";
import { ReuseTable } from "./reuse-table.js";
import { type SnapshotInputObject, SnapshotWriterV2 } from "./snapshot-writer.js";
import { type VerifyOptions, type VerifyReport, verifyRepository } from "./verify.js";

export interface Format2RepositoryOptions extends Format2ConfigOptions {
  /** Where index files are cached between loads (a worker's scratch dir); absent: no cache. */
  indexCacheDir?: string;
  /** Pack size (default DEFAULT_PACK_TARGET_BYTES). */
  packTargetBytes?: number;
  /** Lifetime of the locks this repository takes (default DEFAULT_LOCK_TTL_MS). */
  lockTtlMs?: number;
}

/** What a snapshot writer is created with (Format2Repository.createWriter). */
export interface WriterOptions {
  /** Where the index is cached (default the repository's indexCacheDir). */
  indexCacheDir?: string;
  /**
   * With an index cache, the writer finds unchanged objects in the reuse table of the last
   * snapshot written under this key and saves its own after its commit (reuse-table.ts).
   */
  reuseKey?: string;
  /** zlib level of the frames, 0-9 (default DEFAULT_FRAME_LEVEL). */
  frameLevel?: number;
  /** Told why a reuse table found in the cache is not used (damaged, of another version or key). */
  onReuseTableIgnored?: (reason: string) => void;
}

/** A format-2 repository (docs/format.md): content-addressed blobs in packs, snapshots as trees. */
export interface Format2Repository {
  readonly encrypted: boolean;
  /** Reads every index file (new ones only, with a cache directory: `cacheDir`, else indexCacheDir). */
  loadIndex(cacheDir?: string): Promise<LoadedIndex>;
  /** A writer over a freshly loaded index (cached in `indexCacheDir`, else the repository's); add objects, then commit. */
  createWriter(options?: WriterOptions): Promise<SnapshotWriterV2>;
  /**
   * Writes and commits a snapshot under a shared lock ("backup <id>"), taken before the index is
   * loaded and released after snapshot.json is written: LockConflictError while a prune runs.
   */
  writeSnapshot(
    draft: SnapshotDraftV2,
    objects: AsyncIterable<SnapshotInputObject> | Iterable<SnapshotInputObject>,
  ): Promise<SnapshotManifestV2>;
  /** Takes a repository lock; a caller of createWriter holds a shared one until it has committed. */
  lock(kind: LockKind, holder: string): Promise<RepositoryLock>;
  /** Removes blobs no snapshot uses, under an exclusive lock (see prune.ts). */
  prune(options?: Omit<PruneOptions, "store" | "keys">): Promise<PruneReport>;
  /** Checks snapshots' trees and packs (all, or a readDataSubset share), under a shared lock. */
  verify(options?: Omit<VerifyOptions, "store" | "keys">): Promise<VerifyReport>;
  /** SnapshotNotFoundError when `id` is not committed. */
  getSnapshot(id: string): Promise<SnapshotManifestV2>;
  readIndex(id: string): AsyncIterable<IndexRecord>;
  /** Every object, pack after pack; with `parts`, only those parts' objects; with `paths`, only those. */
  readObjects(id: string, options?: ObjectsFilter): AsyncIterable<SnapshotObject>;
  /** Every object's path and YAML, in no set order, a slice at a time, as its tree is walked (SnapshotReaderV2.everyObject): a download's. */
  everyObject(id: string): AsyncIterable<PathsAndBlobs>;
}

class StoreFormat2Repository implements Format2Repository {
  private keys: Format2Keys | null;
  private written: Promise<void> | undefined;
  private reader: { key: string; reader: Promise<SnapshotReaderV2> } | undefined;

  constructor(
    private readonly options: Format2RepositoryOptions,
    private readonly config: Format2Config,
  ) {
    this.keys = config.keys;
  }

  get encrypted(): boolean {
    return this.keys !== null;
  }

  loadIndex(cacheDir = this.options.indexCacheDir): Promise<LoadedIndex> {
    return loadBlobIndex({ store: this.store, keys: this.keys, cacheDir });
  }

  async createWriter(options: WriterOptions = {}): Promise<SnapshotWriterV2> {
    await this.ensureConfig();
    const indexCacheDir = options.indexCacheDir ?? this.options.indexCacheDir;
    const { index, listing } = await this.loadIndex(indexCacheDir);
    const { packTargetBytes } = this.options;
    const key = options.reuseKey;
    const reuse =
      key === undefined || indexCacheDir === undefined
        ? undefined
        : {
            key,
            table: await ReuseTable.load(
              { cacheDir: indexCacheDir, keys: this.keys, key, onIgnored: options.onReuseTableIgnored },
              index,
            ),
          };
    return new SnapshotWriterV2({
      ...this.deps(),
      index,
      indexListing: listing,
      indexCacheDir,
      packTargetBytes,
      frameLevel: options.frameLevel,
      reuse,
    });
  }

  async writeSnapshot(
    draft: SnapshotDraftV2,
    objects: AsyncIterable<SnapshotInputObject> | Iterable<SnapshotInputObject>,
  ): Promise<SnapshotManifestV2> {
    await this.ensureConfig();
    const lock = await this.lock("shared", `backup ${draft.id}`);
    try {
      const writer = await this.createWriter();
      try {
        for await (const object of objects) await writer.add([object]);
        lock.check(); // a lock lost meanwhile may have let a prune delete blobs this snapshot reuses
        return await writer.commit(draft);
      } finally {
        writer.abort(); // after a failure: the compressing thread lets go of its open packs
      }
    } finally {
      await lock.release();
    }
  }

  lock(kind: LockKind, holder: string): Promise<RepositoryLock> {
    return acquireLock({ store: this.store, kind, holder, ttlMs: this.options.lockTtlMs });
  }

  prune(options: Omit<PruneOptions, "store" | "keys"> = {}): Promise<PruneReport> {
    this.reader = undefined;
    return pruneRepository({ lockTtlMs: this.options.lockTtlMs, ...options, ...this.deps() });
  }

  verify(options: Omit<VerifyOptions, "store" | "keys"> = {}): Promise<VerifyReport> {
    return verifyRepository({ ...options, ...this.deps() });
  }

  getSnapshot(id: string): Promise<SnapshotManifestV2> {
    return readManifestV2(this.deps(), id);
  }

  async *readIndex(id: string): AsyncIterable<IndexRecord> {
    yield* (await this.readerFor(id)).indexRecords();
  }

  async *readObjects(id: string, options: ObjectsFilter = {}): AsyncIterable<SnapshotObject> {
    yield* (await this.readerFor(id)).objects(options.parts, options.paths);
  }

  async *everyObject(id: string): AsyncIterable<PathsAndBlobs> {
    startFrameThread(); // its slices: it loads its code while the index is loaded and the tree read
    yield* (await this.readerFor(id)).everyObject();
  }

  /**
   * The reader of the snapshot read last, kept while snapshot.json names the same tree: one
   * index load and one tree walk for all the parts a restore asks for. A prune of this repository
   * drops it; one run by another process meanwhile may move blobs, and the read then fails.
   */
  private readerFor(id: string): Promise<SnapshotReaderV2> {
    // A first read loads the index while snapshot.json is fetched (its load unused if that fails).
    const loading = this.reader?.key.startsWith(`${id} `) ? undefined : this.loadIndex();
    loading?.catch(() => {}); // thrown below when used
    return this.getSnapshot(id).then((manifest) => {
      const key = `${id} ${manifest.tree}`;
      if (this.reader?.key === key) return this.reader.reader;
      // Its reads walk the tree with chainAhead: the chain's earlier snapshots are read meanwhile.
      const trees = earlierTrees(this.store, manifest);
      const reader = (loading ?? this.loadIndex()).then(
        ({ index }) => new SnapshotReaderV2({ ...this.deps(), index, earlierTrees: trees }, manifest),
      );
      this.reader = { key, reader };
      reader.catch(() => {
        if (this.reader?.reader === reader) this.reader = undefined;
      });
      return reader;
    });
  }

  /** repository.json before the first write; the keys of whoever wrote it first. */
  private ensureConfig(): Promise<void> {
    this.written ??= this.config.ensureWritten().then(
      (keys) => {
        this.keys = keys;
      },
      (err: unknown) => {
        this.written = undefined; // tried again by the next write
        throw err;
      },
    );
    return this.written;
  }

  private get store(): ObjectStore {
    return this.options.store;
  }

  private deps() {
    return { store: this.store, keys: this.keys };
  }
}

/**
 * Opens the format-2 repository in `store`: repository.json is read and the password checked
 * before anything else (a format-1 repository.json is refused with RepositoryFormatError); a
 * missing one is created on the first write.
 */
export async function openFormat2Repository(options: Format2RepositoryOptions): Promise<Format2Repository> {
  return new StoreFormat2Repository(options, await openFormat2Config(options));
}
