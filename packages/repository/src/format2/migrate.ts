import { IntegrityError, ObjectNotFoundError, RepositoryFormatError, UnsafePathError } from "../errors.js";
import { SNAPSHOTS_PREFIX, snapshotIdOfKey, snapshotManifestKey } from "../snapshot/layout.js";
import { decodeManifest } from "../snapshot/manifest-codec.js";
import { MAX_JSON_BYTES } from "../snapshot/read-limits.js";
import { byTime } from "../snapshot/snapshot-order.js";
import type { SnapshotManifest } from "../snapshot/types.js";
import type { ObjectStore } from "../stores/object-store.js";
import { loadBlobIndex } from "./index-loader.js";
import { acquireLock } from "./lock.js";
import { type MigrationKeys, openForMigration, rewriteConfigAsFormat2 } from "./migrate-config.js";
import { type DeletedFiles, finishSnapshot, type MigrateSnapshotDeps, migrateSnapshot } from "./migrate-snapshot.js";
import { formatVersionOf, readStoredConfigBytes } from "./open-as-repository.js";

export interface MigrateOptions {
  store: ObjectStore;
  /** The repository's password, when it is encrypted. */
  password?: string;
  /** Only say what would be converted: reads, writes nothing, takes no lock. */
  dryRun?: boolean;
  /** After each object read and each snapshot done. */
  onProgress?: (progress: MigrateProgress) => void;
  /** Lifetime of the exclusive lock (default DEFAULT_LOCK_TTL_MS). */
  lockTtlMs?: number;
  /** Pack size (default DEFAULT_PACK_TARGET_BYTES). */
  packTargetBytes?: number;
}

export interface MigrateProgress {
  snapshotsDone: number;
  snapshotsTotal: number;
  objectsDone: number;
  objectsTotal: number;
  /** The snapshot being converted, or just done. */
  snapshot: string;
  /** True when `snapshot` was just converted and its format-1 files deleted. */
  finished: boolean;
}

/** A format-1 snapshot left as it was: its snapshot.json or data does not read. */
export interface DamagedSnapshot {
  id: string;
  /** Its snapshot.json key. */
  key: string;
  reason: string;
}

export interface MigratedSnapshot {
  id: string;
  time: string;
  objects: number;
  /** Uncompressed YAML bytes. */
  bytes: number;
}

export interface MigrateReport {
  dryRun: boolean;
  /** repository.json's formatVersion before the run. */
  formatBefore: 1 | 2;
  /** Format-1 snapshots converted (with dryRun: to convert), oldest first. */
  snapshots: MigratedSnapshot[];
  /** Snapshots a killed run had committed as format 2, read back now and their format-1 files deleted. */
  finished: string[];
  objects: number;
  bytes: number;
  /** Format-1 files deleted (with dryRun: to delete), and their bytes. */
  deletedKeys: number;
  deletedBytes: number;
  /** Format-1 files S3 Object Lock still retains; a later run deletes them. */
  retainedKeys: number;
  damaged: DamagedSnapshot[];
}

interface Plan {
  convert: { manifest: SnapshotManifest; data: Buffer; storedBytes: number }[];
  /** Format-2 snapshots with format-1 files beside snapshot.json. */
  finish: { id: string; keys: number; bytes: number }[];
  damaged: DamagedSnapshot[];
}

/** Errors that condemn one snapshot, not the run: its data does not read or does not match. */
function isDamage(err: unknown): err is Error {
  return [IntegrityError, RepositoryFormatError, UnsafePathError, TypeError].some((type) => err instanceof type);
}

/** Every snapshot directory with a snapshot.json: the keys and bytes beside it. */
async function listDirs(store: ObjectStore) {
  const dirs = new Map<string, { keys: number; bytes: number; committed: boolean }>();
  for await (const entry of store.list(SNAPSHOTS_PREFIX)) {
    const id = snapshotIdOfKey(entry.key);
    if (id === undefined) continue;
    const dir = dirs.get(id) ?? { keys: 0, bytes: 0, committed: false };
    dirs.set(id, dir);
    if (entry.key === snapshotManifestKey(id)) dir.committed = true;
    else [dir.keys, dir.bytes] = [dir.keys + 1, dir.bytes + entry.size];
  }
  return [...dirs].filter(([, dir]) => dir.committed).sort(([a], [b]) => (a < b ? -1 : 1));
}

/** What a run does: snapshots to convert, oldest first, those to finish, those that do not read. */
async function planMigration(store: ObjectStore): Promise<Plan> {
  const plan: Plan = { convert: [], finish: [], damaged: [] };
  for (const [id, dir] of await listDirs(store)) {
    const key = snapshotManifestKey(id);
    const data = await store.getBuffer(key, MAX_JSON_BYTES).catch((err: unknown) => {
      if (err instanceof ObjectNotFoundError) return undefined; // deleted while listing
      throw err;
    });
    if (data === undefined) continue;
    if (formatVersionOf(data) === 2) {
      if (dir.keys > 0) plan.finish.push({ id, ...dir });
      continue;
    }
    try {
      plan.convert.push({ manifest: decodeManifest(key, id, data), data, storedBytes: dir.bytes });
    } catch (err) {
      if (!isDamage(err)) throw err;
      plan.damaged.push({ id, key, reason: err.message });
    }
  }
  const order = new Map(byTime(plan.convert.map((c) => c.manifest)).map((m, i) => [m.id, i]));
  plan.convert.sort((a, b) => (order.get(a.manifest.id) ?? 0) - (order.get(b.manifest.id) ?? 0));
  return plan;
}

function emptyReport(formatBefore: 1 | 2, dryRun: boolean, plan: Plan): MigrateReport {
  return {
    dryRun,
    formatBefore,
    snapshots: [],
    finished: [],
    objects: 0,
    bytes: 0,
    deletedKeys: 0,
    deletedBytes: 0,
    retainedKeys: 0,
    damaged: [...plan.damaged],
  };
}

function dryRunReport(formatBefore: 1 | 2, plan: Plan): MigrateReport {
  const report = emptyReport(formatBefore, true, plan);
  for (const { manifest, storedBytes } of plan.convert) {
    const { id, time, objects, bytes } = manifest;
    report.snapshots.push({ id, time, objects, bytes });
    Object.assign(report, { objects: report.objects + objects, bytes: report.bytes + bytes });
    report.deletedKeys += manifest.parts.length + 1;
    report.deletedBytes += storedBytes;
  }
  for (const { id, keys, bytes } of plan.finish) {
    report.finished.push(id);
    Object.assign(report, { deletedKeys: report.deletedKeys + keys, deletedBytes: report.deletedBytes + bytes });
  }
  return report;
}

/** The keys, re-read after the lock is taken in case repository.json changed meanwhile. */
async function keysUnderLock(options: MigrateOptions, opened: MigrationKeys): Promise<MigrationKeys> {
  const current = await readStoredConfigBytes(options.store);
  return current?.equals(opened.data) ? opened : openForMigration(options.store, options.password);
}

/**
 * Converts the repository in `options.store` to format 2 in place (docs/format.md, "Migrating a
 * format-1 repository"). The password is checked first, then, under the exclusive repository lock,
 * repository.json becomes formatVersion 2 (same encryption parameters and key), then every
 * format-1 snapshot, oldest first, is converted under its own id (migrate-snapshot.ts). Killed at
 * any point, every snapshot reads as format 1 or format 2, and running it again finishes the job.
 * A snapshot that does not read is left as it is and reported in `damaged`.
 */
export async function migrateRepository(options: MigrateOptions): Promise<MigrateReport> {
  const { store } = options;
  const opened = await openForMigration(store, options.password);
  if (options.dryRun) return dryRunReport(opened.formatVersion, await planMigration(store));
  const lock = await acquireLock({ store, kind: "exclusive", holder: "migrate-repository", ttlMs: options.lockTtlMs });
  try {
    const { codec, keys, formatVersion, data } = await keysUnderLock(options, opened);
    if (formatVersion === 1) await rewriteConfigAsFormat2(store, data);
    const plan = await planMigration(store);
    const { index } = await loadBlobIndex({ store, keys });
    const deps: MigrateSnapshotDeps = { store, codec, keys, index, lock, packTargetBytes: options.packTargetBytes };
    return await runPlan(deps, plan, emptyReport(opened.formatVersion, false, plan), options.onProgress);
  } finally {
    await lock.release();
  }
}

async function runPlan(
  deps: MigrateSnapshotDeps,
  plan: Plan,
  report: MigrateReport,
  onProgress: MigrateOptions["onProgress"],
): Promise<MigrateReport> {
  const progress = {
    snapshotsDone: 0,
    snapshotsTotal: plan.convert.length + plan.finish.length,
    objectsDone: 0,
    objectsTotal: plan.convert.reduce((sum, c) => sum + c.manifest.objects, 0),
    snapshot: "",
    finished: false,
  };
  const step = async (id: string, run: () => Promise<DeletedFiles>): Promise<boolean> => {
    Object.assign(progress, { snapshot: id, finished: false });
    try {
      const deleted = await run();
      report.deletedKeys += deleted.keys;
      report.deletedBytes += deleted.bytes;
      report.retainedKeys += deleted.retained;
    } catch (err) {
      if (!isDamage(err)) throw err;
      report.damaged.push({ id, key: snapshotManifestKey(id), reason: err.message });
      return false;
    }
    progress.snapshotsDone += 1;
    onProgress?.({ ...progress, finished: true });
    return true;
  };
  for (const { id } of plan.finish) if (await step(id, () => finishSnapshot(deps, id))) report.finished.push(id);
  const onObject = () => {
    progress.objectsDone += 1;
    onProgress?.({ ...progress });
  };
  for (const { manifest, data } of plan.convert) {
    const { id, time, objects, bytes } = manifest;
    if (!(await step(id, () => migrateSnapshot({ ...deps, onObject }, data, manifest)))) continue;
    report.snapshots.push({ id, time, objects, bytes });
    Object.assign(report, { objects: report.objects + objects, bytes: report.bytes + bytes });
  }
  return report;
}
