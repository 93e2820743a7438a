import { type ObjectCodec, plainCodec } from "./codec.js";
import { type DownloadResult, writeTree } from "./download.js";
import { ObjectNotFoundError, SnapshotNotFoundError } from "./errors.js";
import { REPOSITORY_KEY, SNAPSHOTS_PREFIX, snapshotIdOfKey, snapshotManifestKey, snapshotPrefix } from "./layout.js";
import { decodeManifest, decodeRepositoryConfig, encodeJson } from "./manifest-codec.js";
import type { ObjectStore } from "./object-store.js";
import { isSnapshotId } from "./snapshot-id.js";
import { type CommitSnapshotInput, uploadSnapshot } from "./snapshot-upload.js";
import { readIndexRecords, readSnapshotObjects } from "./snapshot-readers.js";
import type { IndexRecord, RepositoryConfig, SnapshotManifest, SnapshotObject } from "./types.js";

/** Keys of a snapshot directory that has no commit marker: a backup in flight or one that died. */
export interface UnfinishedSnapshot {
  id: string;
  keys: number;
  bytes: number;
  /** Newest object's modification time, when the store reports times. */
  lastModified?: Date;
}

export interface DeleteSnapshotResult {
  /** Store objects removed, the commit marker included. */
  keys: number;
  bytes: number;
}

/** Snapshots in an ObjectStore, in the layout of `layout.ts`. */
export interface Repository {
  /** Uploads the parts, then the index, then snapshot.json last (the commit marker). */
  commitSnapshot(input: CommitSnapshotInput): Promise<SnapshotManifest>;
  /** Committed snapshots, oldest first. */
  listSnapshots(): Promise<SnapshotManifest[]>;
  /** Throws SnapshotNotFoundError naming the id when it is not committed (or not an id). */
  getSnapshot(id: string): Promise<SnapshotManifest>;
  readIndex(id: string): AsyncIterable<IndexRecord>;
  readObjects(id: string): AsyncIterable<SnapshotObject>;
  /** Writes the YAML tree below `toDir`. */
  download(id: string, toDir: string): Promise<DownloadResult>;
  /** Removes snapshot.json first (the snapshot is gone from then on), then the rest. Safe to repeat. */
  deleteSnapshot(id: string): Promise<DeleteSnapshotResult>;
  /** Snapshot directories with objects but no snapshot.json, oldest id first. */
  listUnfinished(): Promise<UnfinishedSnapshot[]>;
}

export interface RepositoryOptions {
  store: ObjectStore;
  /** Transforms parts and index on their way in and out; the seam for encryption. */
  codec?: ObjectCodec;
  /** Clock for repository.json's `created`. */
  now?: () => Date;
}

const LIST_CONCURRENCY = 8;

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

class StoreRepository implements Repository {
  private readonly store: ObjectStore;
  private readonly codec: ObjectCodec;
  private readonly now: () => Date;
  private initialized: boolean;

  constructor(options: RepositoryOptions & { initialized: boolean }) {
    this.store = options.store;
    this.codec = options.codec ?? plainCodec;
    this.now = options.now ?? (() => new Date());
    this.initialized = options.initialized;
  }

  async commitSnapshot(input: CommitSnapshotInput): Promise<SnapshotManifest> {
    await this.ensureRepositoryFile();
    return uploadSnapshot({ store: this.store, codec: this.codec }, input);
  }

  async listSnapshots(): Promise<SnapshotManifest[]> {
    const ids: string[] = [];
    for await (const { key } of this.store.list(SNAPSHOTS_PREFIX)) {
      const id = snapshotIdOfKey(key);
      if (id !== undefined && key === snapshotManifestKey(id)) ids.push(id);
    }
    ids.sort();
    const manifests = await mapLimit(ids, LIST_CONCURRENCY, (id) =>
      this.getSnapshot(id).catch((err: unknown) => {
        if (err instanceof SnapshotNotFoundError) return undefined; // deleted while listing
        throw err;
      }),
    );
    return manifests.filter((m): m is SnapshotManifest => m !== undefined);
  }

  async getSnapshot(id: string): Promise<SnapshotManifest> {
    if (!isSnapshotId(id)) throw new SnapshotNotFoundError(id);
    const key = snapshotManifestKey(id);
    const data = await this.store.getBuffer(key).catch((err: unknown) => {
      throw err instanceof ObjectNotFoundError ? new SnapshotNotFoundError(id, { cause: err }) : err;
    });
    return decodeManifest(key, id, data);
  }

  async *readIndex(id: string): AsyncIterable<IndexRecord> {
    yield* readIndexRecords(this.readerDeps(), await this.getSnapshot(id));
  }

  async *readObjects(id: string): AsyncIterable<SnapshotObject> {
    yield* readSnapshotObjects(this.readerDeps(), await this.getSnapshot(id));
  }

  download(id: string, toDir: string): Promise<DownloadResult> {
    return writeTree(this.readObjects(id), toDir);
  }

  async deleteSnapshot(id: string): Promise<DeleteSnapshotResult> {
    if (!isSnapshotId(id)) throw new SnapshotNotFoundError(id);
    const markerKey = snapshotManifestKey(id);
    const marker = await this.store.stat(markerKey);
    if (marker) await this.store.delete(markerKey);
    const result = { keys: marker ? 1 : 0, bytes: marker?.size ?? 0 };
    for await (const entry of this.store.list(snapshotPrefix(id))) {
      await this.store.delete(entry.key);
      result.keys += 1;
      result.bytes += entry.size;
    }
    return result;
  }

  async listUnfinished(): Promise<UnfinishedSnapshot[]> {
    const dirs = new Map<string, UnfinishedSnapshot & { committed: boolean }>();
    for await (const entry of this.store.list(SNAPSHOTS_PREFIX)) {
      const id = snapshotIdOfKey(entry.key);
      if (id === undefined) continue;
      const dir = dirs.get(id) ?? { id, keys: 0, bytes: 0, committed: false };
      dirs.set(id, dir);
      dir.keys += 1;
      dir.bytes += entry.size;
      if (entry.key === snapshotManifestKey(id)) dir.committed = true;
      if (entry.mtime && !(dir.lastModified && dir.lastModified >= entry.mtime)) dir.lastModified = entry.mtime;
    }
    return [...dirs.values()]
      .filter((dir) => !dir.committed)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map(({ committed: _, ...dir }) => dir);
  }

  private readerDeps() {
    return { store: this.store, codec: this.codec };
  }

  /** repository.json is written on the first write into a repository that lacks it. */
  private async ensureRepositoryFile(): Promise<void> {
    if (this.initialized) return;
    if (!(await this.store.stat(REPOSITORY_KEY))) {
      const config: RepositoryConfig = { formatVersion: 1, created: this.now().toISOString(), encryption: null };
      await this.store.put(REPOSITORY_KEY, encodeJson(config));
    }
    this.initialized = true;
  }
}

/**
 * Opens the repository in `store`. An existing repository.json is checked (format version,
 * encryption) before anything else is read; a missing one is created on the first commit.
 */
export async function openRepository(options: RepositoryOptions): Promise<Repository> {
  const data = await options.store.getBuffer(REPOSITORY_KEY).catch((err: unknown) => {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  });
  if (data) decodeRepositoryConfig(REPOSITORY_KEY, data);
  return new StoreRepository({ ...options, initialized: data !== undefined });
}
