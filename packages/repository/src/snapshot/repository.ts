import type { IndexRecord } from "../archive/types.js";
import type { ObjectCodec } from "../crypto/codec.js";
import { readSelectedObjects, type SelectedRecord } from "../diff/read-selected.js";
import { SnapshotNotFoundError } from "../errors.js";
import { formatVersionOf, openFormat2AsRepository, readStoredConfigBytes } from "../format2/open-as-repository.js";
import type { RetryPolicy } from "../retry.js";
import type { ObjectStore } from "../stores/object-store.js";
import { checkStored, type StoredCheckReport } from "./check-stored.js";
import { type DownloadResult, writeTree } from "./download.js";
import { type ForgetOptions, type ForgetResult, forgetSnapshots, type RetentionPolicy } from "./forget.js";
import { REPOSITORY_KEY, SNAPSHOTS_PREFIX, snapshotIdOfKey, snapshotManifestKey, snapshotPrefix } from "./layout.js";
import { type ConfigOptions, readRepositoryConfig, resolveConfig, resolveExisting } from "./repository-config.js";
import { progressCounter, type ReadProgressOptions, type VerifyReadOptions } from "./read-progress.js";
import { isSnapshotId } from "./snapshot-id.js";
import type { ManifestCache } from "./manifest-cache.js";
import { readManifest, type SnapshotScan, scanSnapshots } from "./snapshot-scan.js";
import { readIndexRecords, readSnapshotObjects } from "./snapshot-readers.js";
import { type CommitSnapshotInput, DEFAULT_UPLOAD_RETRY, uploadSnapshot } from "./snapshot-upload.js";
import { type SweepOptions, type SweepResult, sweepUnfinished } from "./sweep.js";
import type { SnapshotManifest, SnapshotObject, UnfinishedSnapshot } from "./types.js";
import { type VerifyReport, verifySnapshot } from "./verify-snapshot.js";

export interface DeleteSnapshotResult {
  /** Store objects removed, the commit marker included. */
  keys: number;
  bytes: number;
}

/** Snapshots in an ObjectStore, in the layout of `layout.ts`. */
export interface Repository {
  /** True when parts and index are encrypted (repository.json has encryption parameters). */
  readonly encrypted: boolean;
  /** Uploads the parts one after another and the index alongside them, then snapshot.json last (the commit marker). */
  commitSnapshot(input: CommitSnapshotInput): Promise<SnapshotManifest>;
  /** Committed snapshots, oldest first; throws the error of the first snapshot.json that fails to read. */
  listSnapshots(): Promise<SnapshotManifest[]>;
  /** Committed snapshots, oldest first, and apart from them those whose snapshot.json fails to read. */
  scanSnapshots(): Promise<SnapshotScan>;
  /** Throws SnapshotNotFoundError naming the id when it is not committed (or not an id). */
  getSnapshot(id: string): Promise<SnapshotManifest>;
  readIndex(id: string): AsyncIterable<IndexRecord>;
  /**
   * Every object, part after part; with `parts`, only the objects of those parts (a restore reads
   * what one step needs); with `objects`, only those objects (see readSelectedObjects).
   */
  readObjects(id: string, options?: ReadObjectsOptions): AsyncIterable<SnapshotObject>;
  /** Writes the YAML tree below `toDir`. */
  download(id: string, toDir: string, options?: ReadProgressOptions): Promise<DownloadResult>;
  /** Removes snapshot.json first (the snapshot is gone from then on), then the rest. Safe to repeat. */
  deleteSnapshot(id: string): Promise<DeleteSnapshotResult>;
  /** Snapshot directories with objects but no snapshot.json, oldest id first. */
  listUnfinished(): Promise<UnfinishedSnapshot[]>;
  /** Removes unfinished snapshots and dead uploads older than an hour (or `olderThanMs`). */
  sweepUnfinished(options?: SweepOptions): Promise<SweepResult>;
  /** Applies a retention policy per group of snapshots, see forgetSnapshots. */
  forget(policy: RetentionPolicy, options?: ForgetOptions): Promise<ForgetResult>;
  /** Re-reads every part and checks every object against the index; throws only if the snapshot is not committed. */
  verify(id: string, options?: VerifyReadOptions): Promise<VerifyReport>;
  /** Stats the index and every part against the sizes snapshot.json records, reading no data; throws as verify does. */
  checkStored(id: string): Promise<StoredCheckReport>;
}

export interface ReadObjectsOptions {
  /** Read only these parts (numbers as in snapshot.json); absent: every part. */
  parts?: readonly number[];
  /**
   * Read only these objects (index records): only the parts that hold them, each left as soon as
   * its last wanted object is read; each object is checked against its record's sha256. `parts` is then ignored.
   */
  objects?: readonly SelectedRecord[];
}

export interface RepositoryOptions {
  store: ObjectStore;
  /**
   * Encrypts parts and index client-side. A new repository becomes encrypted; an existing one
   * must match: encrypted repositories need it (WrongPasswordError when it is wrong), unencrypted
   * ones refuse it (EncryptionMismatchError).
   */
  password?: string;
  /** scrypt cost for a new encrypted repository (default N=2^16, r=8, p=1). */
  kdf?: ConfigOptions["kdf"];
  /** A custom codec for an unencrypted repository (tests); excludes `password`. */
  codec?: ObjectCodec;
  /** Clock for repository.json's `created`. */
  now?: () => Date;
  /** Retries of a whole part upload from its scratch file (default 3 tries, 1 s, 2 s). */
  uploadRetry?: Partial<RetryPolicy>;
  /** snapshot.json files read by earlier scans of this location in this process (see ManifestCache). */
  manifestCache?: ManifestCache;
  /** Format of a new repository (default DEFAULT_REPOSITORY_FORMAT); an existing repository.json's format wins. */
  format?: 1 | 2;
  /** Format 2: where index files are cached between loads (a worker's scratch dir). */
  indexCacheDir?: string;
}

interface StoreRepositoryState {
  options: RepositoryOptions & ConfigOptions;
  codec: ObjectCodec;
  encrypted: boolean;
  pending?: Buffer;
}

class StoreRepository implements Repository {
  private readonly store: ObjectStore;
  private readonly options: RepositoryOptions & ConfigOptions;
  private codec: ObjectCodec;
  private pending: Buffer | undefined;
  encrypted: boolean;

  constructor(state: StoreRepositoryState) {
    this.store = state.options.store;
    this.options = state.options;
    this.codec = state.codec;
    this.encrypted = state.encrypted;
    this.pending = state.pending;
  }

  async commitSnapshot(input: CommitSnapshotInput): Promise<SnapshotManifest> {
    await this.ensureRepositoryFile();
    const retry = { ...DEFAULT_UPLOAD_RETRY, ...this.options.uploadRetry };
    return uploadSnapshot({ store: this.store, codec: this.codec, retry }, input);
  }

  async listSnapshots(): Promise<SnapshotManifest[]> {
    const { snapshots, unreadable } = await this.scanSnapshots();
    if (unreadable[0]) throw unreadable[0].error;
    return snapshots;
  }

  scanSnapshots(): Promise<SnapshotScan> {
    return scanSnapshots(this.store, { cache: this.options.manifestCache });
  }

  getSnapshot(id: string): Promise<SnapshotManifest> {
    return readManifest(this.store, id);
  }

  async *readIndex(id: string): AsyncIterable<IndexRecord> {
    yield* readIndexRecords(this.readerDeps(), await this.getSnapshot(id));
  }

  async *readObjects(id: string, options: ReadObjectsOptions = {}): AsyncIterable<SnapshotObject> {
    const manifest = await this.getSnapshot(id);
    if (options.objects) yield* readSelectedObjects(this.readerDeps(), manifest, options.objects);
    else yield* readSnapshotObjects(this.readerDeps(), manifest, options.parts);
  }

  async download(id: string, toDir: string, options?: ReadProgressOptions): Promise<DownloadResult> {
    const manifest = await this.getSnapshot(id);
    return writeTree(readSnapshotObjects(this.readerDeps(), manifest), toDir, progressCounter(manifest, options));
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

  sweepUnfinished(options?: SweepOptions): Promise<SweepResult> {
    return sweepUnfinished(this.maintenanceDeps(), options);
  }

  /** Snapshots whose snapshot.json does not read are neither counted nor removed (verify reports them). */
  forget(policy: RetentionPolicy, options?: ForgetOptions): Promise<ForgetResult> {
    return forgetSnapshots(
      { ...this.maintenanceDeps(), listSnapshots: async () => (await this.scanSnapshots()).snapshots },
      policy,
      options,
    );
  }

  async verify(id: string, options?: VerifyReadOptions): Promise<VerifyReport> {
    return verifySnapshot(this.readerDeps(), await this.getSnapshot(id), options);
  }

  async checkStored(id: string): Promise<StoredCheckReport> {
    return checkStored(this.store, await this.getSnapshot(id));
  }

  private readerDeps() {
    return { store: this.store, codec: this.codec };
  }

  private maintenanceDeps() {
    return {
      store: this.store,
      listUnfinished: () => this.listUnfinished(),
      deleteSnapshot: (id: string) => this.deleteSnapshot(id),
    };
  }

  /**
   * repository.json is created on the first write, only if still absent. When another writer
   * created it first, its parameters win: the key is derived again from them before any data
   * is written, so two first backups never encrypt with different salts.
   */
  private async ensureRepositoryFile(): Promise<void> {
    if (!this.pending) return;
    if (!(await this.store.putIfAbsent(REPOSITORY_KEY, this.pending))) {
      const existing = await readRepositoryConfig(this.store);
      if (existing) ({ codec: this.codec, encrypted: this.encrypted } = await resolveExisting(existing, this.options));
    }
    this.pending = undefined;
  }
}

/** The format of a new repository when its opener names none: 2, content-addressed and incremental. */
export const DEFAULT_REPOSITORY_FORMAT: 1 | 2 = 2;

/**
 * Opens the repository in `store`. An existing repository.json is checked first (format version,
 * encryption, the password against its key check), before anything else is read; a missing one
 * is created on the first commit. A format-2 repository (or a new one, unless `format: 1`) is read
 * through the same interface (format2/as-repository.ts); any other formatVersion is a
 * RepositoryFormatError naming it.
 */
export async function openRepository(options: RepositoryOptions): Promise<Repository> {
  // repository.json is read once: its formatVersion picks the format, its bytes open format 1.
  const data = await readStoredConfigBytes(options.store);
  const stored = formatVersionOf(data);
  const format = options.format ?? DEFAULT_REPOSITORY_FORMAT;
  if (stored === 2 || (stored === undefined && format === 2)) return openFormat2AsRepository(options, data ?? null);
  const configOptions = { ...options, now: options.now ?? (() => new Date()) };
  const resolved = await resolveConfig(options.store, configOptions, { data });
  return new StoreRepository({ options: configOptions, ...resolved });
}
