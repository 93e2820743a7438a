import { hash } from "node:crypto";
import type { IndexRecord } from "../archive/types.js";
import type { SelectedRecord } from "../diff/read-selected.js";
import { IntegrityError, RepositoryFormatError, SnapshotNotFoundError } from "../errors.js";
import type { StoredCheckReport } from "../snapshot/check-stored.js";
import { type DownloadResult, writeTree } from "../snapshot/download.js";
import { type ForgetOptions, type ForgetResult, forgetSnapshots, type RetentionPolicy } from "../snapshot/forget.js";
import { snapshotManifestKey } from "../snapshot/layout.js";
import { progressCounter, type ReadProgressOptions, type VerifyReadOptions } from "../snapshot/read-progress.js";
import type { DeleteSnapshotResult, ReadObjectsOptions, Repository } from "../snapshot/repository.js";
import { isSnapshotId } from "../snapshot/snapshot-id.js";
import { type SnapshotScan, scanSnapshots } from "../snapshot/snapshot-scan.js";
import type { CommitSnapshotInput } from "../snapshot/snapshot-upload.js";
import type { SweepOptions, SweepResult } from "../snapshot/sweep.js";
import type { SnapshotManifest, SnapshotObject, UnfinishedSnapshot } from "../snapshot/types.js";
import type { VerifyReport } from "../snapshot/verify-snapshot.js";
import type { ObjectStore } from "../stores/object-store.js";
import { asSnapshotManifest } from "./as-manifest.js";
import { packKey } from "./layout.js";
import { LockConflictError } from "./lock.js";
import type { PruneReport } from "./prune.js";
import { verifySnapshotV2 } from "./as-repository-verify.js";
import type { Format2Repository } from "./repository.js";

/**
 * Format 1's Repository interface over a format-2 repository, so that every reader (the CLI,
 * the console, the diff library, restore) reads both formats. Snapshots are written through
 * Format2Repository.writeSnapshot (commitSnapshot takes format 1's part files and refuses).
 */
export class Format2AsRepository implements Repository {
  constructor(
    private readonly store: ObjectStore,
    readonly format2: Format2Repository,
  ) {}

  get encrypted(): boolean {
    return this.format2.encrypted;
  }

  async commitSnapshot(input: CommitSnapshotInput): Promise<SnapshotManifest> {
    throw new RepositoryFormatError(
      "repository.json",
      `formatVersion 2: snapshot ${input.manifest.id} must be written with the format-2 writer, not as format-1 parts`,
    );
  }

  async listSnapshots(): Promise<SnapshotManifest[]> {
    const { snapshots, unreadable } = await this.scanSnapshots();
    if (unreadable[0]) throw unreadable[0].error;
    return snapshots;
  }

  /** Every snapshot.json, read as format 2; sizes are not checked against a listing (packs are shared). */
  scanSnapshots(): Promise<SnapshotScan> {
    return scanSnapshots(this.store, { read: (id) => this.getSnapshot(id), checkFiles: false });
  }

  async getSnapshot(id: string): Promise<SnapshotManifest> {
    return asSnapshotManifest(await this.format2.getSnapshot(id));
  }

  readIndex(id: string): AsyncIterable<IndexRecord> {
    return this.format2.readIndex(id);
  }

  /** With `objects`, only the packs holding them are fetched (a record's part is its pack). */
  async *readObjects(id: string, options: ReadObjectsOptions = {}): AsyncIterable<SnapshotObject> {
    if (!options.objects) {
      yield* this.format2.readObjects(id, { parts: options.parts });
      return;
    }
    yield* readSelected(this.format2, id, options.objects);
  }

  /**
   * Writes every object as the tree is walked (Format2Repository.everyObject): the first files are
   * written while the rest of the tree is still read, each slice the frame thread decoded moved
   * to the writing thread as it came (writeTree).
   */
  async download(id: string, toDir: string, options?: ReadProgressOptions): Promise<DownloadResult> {
    const manifest = await this.getSnapshot(id);
    return writeTree(this.format2.everyObject(id), toDir, progressCounter(manifest, options));
  }

  /** Removes snapshot.json only: its blobs may be shared, and go with the next prune. */
  async deleteSnapshot(id: string): Promise<DeleteSnapshotResult> {
    if (!isSnapshotId(id)) throw new SnapshotNotFoundError(id);
    const key = snapshotManifestKey(id);
    const marker = await this.store.stat(key);
    if (marker) await this.store.delete(key);
    return { keys: marker ? 1 : 0, bytes: marker?.size ?? 0 };
  }

  /** Always empty: a format-2 backup writes no snapshot directory before its snapshot.json; a dead one's packs go at prune. */
  async listUnfinished(): Promise<UnfinishedSnapshot[]> {
    return [];
  }

  /**
   * Nothing to sweep: a format-2 backup writes no snapshot directory before its snapshot.json, and
   * the packs a dead one left go with prune (format2Of(repository).prune()), under the exclusive
   * lock, never with a backup's sweep, which would contend with the backup's own shared lock.
   */
  async sweepUnfinished(options: SweepOptions = {}): Promise<SweepResult> {
    const dryRun = options.dryRun ?? false;
    return { dryRun, removed: [], skipped: [], deletedKeys: 0, deletedBytes: 0, incompleteUploads: 0 };
  }

  /** Format 1's retention (forget.ts) over format-2 snapshots, then, with prune, format 2's prune. */
  async forget(policy: RetentionPolicy, options?: ForgetOptions): Promise<ForgetResult> {
    const deps = {
      store: this.store,
      listSnapshots: async () => (await this.scanSnapshots()).snapshots,
      deleteSnapshot: (id: string) => this.deleteSnapshot(id),
    };
    const result = await forgetSnapshots(deps, policy, options);
    if (result.dryRun || !result.prune || result.removed.length === 0) return result;
    let report: PruneReport;
    try {
      report = await this.format2.prune();
    } catch (err) {
      // A backup holds its shared lock (or another prune the exclusive one): the snapshots are
      // forgotten, and their data goes with the next prune, which removes all that no snapshot uses.
      if (!(err instanceof LockConflictError)) throw err;
      result.pruneDeferred = err.message;
      return result;
    }
    result.deletedKeys += report.packsDeleted + report.unlistedPacksDeleted + report.indexFilesDeleted;
    result.deletedBytes += report.bytesDeleted;
    result.journal = report.journal;
    return result;
  }

  async verify(id: string, options?: VerifyReadOptions): Promise<VerifyReport> {
    const manifest = await this.getSnapshot(id);
    const deps = {
      manifest,
      readIndex: () => this.format2.readIndex(id),
      readObjects: () => this.format2.readObjects(id),
      // Every tree and every pack's size; the packs this snapshot uses are read whole by its
      // objects' read, the others are not its (`kubedump verify` without an id reads them).
      // A restore's check (snapshotOnly) leaves them out: it reads this snapshot alone.
      ...(!options?.snapshotOnly && { verifyRepository: () => this.format2.verify({ readDataSubset: 0 }) }),
    };
    return verifySnapshotV2(deps, options);
  }

  /** Stats snapshot.json and the repository's packs and index files (shared by all snapshots) against the index. */
  async checkStored(id: string): Promise<StoredCheckReport> {
    await this.getSnapshot(id);
    const { index, files } = await this.format2.loadIndex();
    const problems: string[] = [];
    for (const pack of index.packs()) {
      const size = (await this.store.stat(packKey(pack)))?.size;
      if (size !== index.packBytes(pack))
        problems.push(`pack ${pack}: ${size ?? "missing"}, index records ${index.packBytes(pack)}`);
    }
    const count = index.packs().length + files.length;
    return { id, ok: problems.length === 0, files: count, filesOk: count - problems.length, problems };
  }
}

/** The objects of `records`, from the packs holding them, each checked against its record's sha256. */
async function* readSelected(
  format2: Format2Repository,
  id: string,
  records: readonly SelectedRecord[],
): AsyncGenerator<SnapshotObject> {
  const wanted = new Map(records.map((r) => [r.path, r]));
  const parts = [...new Set(records.map((r) => r.part))];
  if (parts.length === 0) return;
  const owner = snapshotManifestKey(id);
  // Only the wanted objects' blobs are read (and checked against their ids).
  for await (const object of format2.readObjects(id, { parts, paths: new Set(wanted.keys()) })) {
    const record = wanted.get(object.path);
    if (!record) continue;
    if (hash("sha256", object.data) !== record.sha256)
      throw new IntegrityError(owner, `${object.path} does not match the sha256 the index records`);
    wanted.delete(object.path);
    yield object;
  }
  const [missing] = wanted.keys();
  if (missing !== undefined) throw new IntegrityError(owner, `${missing} is not in the part the index puts it in`);
}

/** The format-2 repository behind `repository` when it is one: writers and prune go through it. */
export function format2Of(repository: Repository): Format2Repository | undefined {
  return repository instanceof Format2AsRepository ? repository.format2 : undefined;
}
