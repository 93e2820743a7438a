import type { ObjectStore } from "../stores/object-store.js";
import { BlobIndex } from "./blob-index.js";
import { BlobSource } from "./blob-source.js";
import { addPacks, readIndexFiles, writeIndexFile } from "./index-loader.js";
import { type Format2Keys, SEAL_OVERHEAD } from "./keys.js";
import { DATA_PREFIX, indexFileKey, packKey } from "./layout.js";
import { acquireLock, type RepositoryLock } from "./lock.js";
import { byPlace } from "./pack-format.js";
import { readPack } from "./pack-reader.js";
import { PackWriter, type WrittenPack } from "./pack-writer.js";
import { DEFAULT_REPACK_THRESHOLD, type PackPlan, planPrune, type PrunePlan } from "./prune-plan.js";
import { spareRetained, type Spared } from "./prune-retained.js";
import { listSnapshotsV2, markSnapshot, refuseMissing } from "./used-blobs.js";
import { type JournalPruneReport, pruneJournal } from "../journal/journal-prune.js";

export interface PruneOptions {
  store: ObjectStore;
  keys: Format2Keys | null;
  /** Shown to whoever the exclusive lock refuses. @defaultValue "prune" */
  holder?: string;
  /** @defaultValue DEFAULT_REPACK_THRESHOLD (0.2) */
  repackThreshold?: number;
  /** Size of the packs a repack writes (default DEFAULT_PACK_TARGET_BYTES). */
  packTargetBytes?: number;
  /** Lock lifetime (default DEFAULT_LOCK_TTL_MS). */
  lockTtlMs?: number;
  /**
   * Only plan: report what a prune would delete and repack (bytesDeleted, and bytesWritten as the
   * live frames a repack would copy), under a shared lock, changing nothing.
   */
  dryRun?: boolean;
  /** Called after each step that changes the repository: "repacked", "index-written", "deleted <key>". */
  onStep?: (step: string) => void;
}

/** What a prune did (or, with dryRun, would do). */
export interface PruneReport {
  dryRun: boolean;
  snapshots: number;
  usedBlobs: number;
  packsKept: number;
  packsDeleted: number;
  packsRepacked: number;
  /** Packs that no index file listed (a dead backup's or prune's), deleted. */
  unlistedPacksDeleted: number;
  packsWritten: number;
  indexFilesDeleted: number;
  indexFilesWritten: number;
  bytesDeleted: number;
  bytesWritten: number;
  /** bytesDeleted - bytesWritten. */
  bytesFreed: number;
  /** What S3 Object Lock still retains: kept whole, for a later prune (see prune-retained.ts). */
  retained: Spared;
  /** Journal segments kept (their blobs marked used) and deleted (docs/format.md, "Journal (format 2)"). */
  journal: JournalPruneReport;
}

/**
 * Blob id → first snapshot (or journal segment) naming it, over every format-2 snapshot, then
 * the journal segments prune keeps (deleting the expired ones); stops on any that does not read.
 */
async function usedBlobs(options: PruneOptions, index: BlobIndex, lock: RepositoryLock) {
  const source = new BlobSource({ store: options.store, keys: options.keys, index });
  const used = new Map<string, string>();
  const manifests = [];
  for await (const manifest of listSnapshotsV2(options.store)) {
    refuseMissing(await markSnapshot(source, manifest, used));
    manifests.push(manifest);
  }
  const journal = await pruneJournal({ ...options, manifests, source, used, check: () => lock.check() });
  return { used, snapshots: manifests.length, journal };
}

/** Copies the live blobs of the packs to repack into new packs and frames (each blob's id checked on the way). */
async function repack(options: PruneOptions, packs: readonly PackPlan[]): Promise<WrittenPack[]> {
  const writer = new PackWriter({
    store: options.store,
    keys: options.keys,
    index: new BlobIndex(),
    targetBytes: options.packTargetBytes,
  });
  try {
    for (const plan of packs) {
      const pack = await readPack(options, plan.id, plan.bytes);
      for (const entry of [...plan.live].sort(byPlace)) await writer.add(entry.type, pack.blob(entry));
    }
    return (await writer.finish()).packs;
  } finally {
    writer.abort(); // after a failure: the compressing thread lets go of its open pack
  }
}

function hasWork(plan: PrunePlan, indexFiles: number): boolean {
  return (
    plan.unlisted.length > 0 || plan.droppedEntries > 0 || indexFiles > 1 || plan.packs.some((p) => p.action !== "keep")
  );
}

/** Runs the plan: new packs, the merged index file, old index files deleted, then old packs. */
async function execute(options: PruneOptions, lock: RepositoryLock, plan: PrunePlan, oldIndexFiles: string[]) {
  const step = options.onStep ?? (() => {});
  const toRepack = plan.packs.filter((p) => p.action === "repack");
  lock.check();
  const written = await repack(options, toRepack);
  step("repacked");
  const kept = plan.packs
    .filter((p) => p.action === "keep")
    .map((p) => ({ id: p.id, bytes: p.bytes, entries: p.live }));
  const merged = await writeIndexFile(options, [...kept, ...written]);
  step("index-written");
  const remove = async (key: string) => {
    lock.check();
    await options.store.delete(key);
    step(`deleted ${key}`);
  };
  const oldFiles = oldIndexFiles.filter((id) => id !== merged?.id);
  for (const id of oldFiles) await remove(indexFileKey(id));
  // A pack this prune wrote may have the id of one it found unlisted: the same blobs repacked by
  // an earlier prune that died before its index file. It is the merged index's now, not garbage.
  const writtenIds = new Set(written.map((p) => p.id));
  const gone = [...plan.packs.filter((p) => p.action !== "keep"), ...plan.unlisted].filter(
    (p) => !writtenIds.has(p.id),
  );
  for (const pack of gone) await remove(packKey(pack.id));
  return { written, oldFiles, gone, merged };
}

/** The report of a plan before it runs: what it decided, nothing done yet. */
function plannedReport(
  plan: PrunePlan,
  snapshots: number,
  usedBlobs: number,
  journal: JournalPruneReport,
): PruneReport {
  const count = (action: string) => plan.packs.filter((p) => p.action === action).length;
  return {
    dryRun: false,
    snapshots,
    usedBlobs,
    packsKept: count("keep"),
    packsDeleted: count("delete"),
    packsRepacked: count("repack"),
    unlistedPacksDeleted: plan.unlisted.length,
    packsWritten: 0,
    indexFilesDeleted: 0,
    indexFilesWritten: 0,
    bytesDeleted: 0,
    bytesWritten: 0,
    bytesFreed: 0,
    retained: { packs: 0, indexFiles: 0 },
    journal,
  };
}

/** What a plan would delete and write, nothing done (S3 Object Lock's sparing is not asked). */
function dryRunReport(plan: PrunePlan, snapshots: number, usedBlobs: number, journal: JournalPruneReport): PruneReport {
  const gone = [...plan.packs.filter((p) => p.action !== "keep"), ...plan.unlisted];
  const frames = (p: PackPlan) => new Map(p.live.map((e) => [e.offset, e.length]));
  const copied = plan.packs.filter((p) => p.action === "repack").flatMap((p) => [...frames(p).values()]);
  const report = { ...plannedReport(plan, snapshots, usedBlobs, journal), dryRun: true };
  report.bytesDeleted = gone.reduce((sum, p) => sum + p.bytes, 0);
  report.bytesWritten = copied.reduce((sum, n) => sum + n, 0);
  report.bytesFreed = report.bytesDeleted - report.bytesWritten;
  return report;
}

/**
 * Removes what no format-2 snapshot uses, under an exclusive repository lock (LockConflictError
 * naming the holders while a backup holds a shared one). Walks every snapshot's tree, then
 * deletes packs with no used blob, repacks packs whose unused share exceeds the threshold, and
 * replaces every index file by one merged file. New packs and the merged index file are stored
 * before anything is deleted, old index files are deleted before old packs: killed at any point,
 * every snapshot's blobs stay listed in stored packs (docs/format.md, "Prune").
 */
export async function pruneRepository(options: PruneOptions): Promise<PruneReport> {
  const lock = await acquireLock({
    store: options.store,
    kind: options.dryRun ? "shared" : "exclusive",
    holder: options.holder ?? "prune",
    ttlMs: options.lockTtlMs,
  });
  try {
    const indexFiles = [];
    const index = new BlobIndex();
    for await (const file of readIndexFiles(options)) {
      indexFiles.push(file);
      addPacks(index, file.packs);
    }
    const { used, snapshots, journal } = await usedBlobs(options, index, lock);
    const stored = [];
    for await (const entry of options.store.list(DATA_PREFIX)) stored.push(entry);
    const planned = planPrune(indexFiles, used, stored, {
      threshold: options.repackThreshold ?? DEFAULT_REPACK_THRESHOLD,
      headerOverhead: options.keys ? SEAL_OVERHEAD : 0,
    });
    if (options.dryRun) return dryRunReport(planned, snapshots, used.size, journal);
    if (!hasWork(planned, indexFiles.length)) return plannedReport(planned, snapshots, used.size, journal);
    const { plan, deletableIndexFiles, spared } = await spareRetained(options.store, planned, indexFiles);
    const report = { ...plannedReport(plan, snapshots, used.size, journal), retained: spared };
    const done = await execute(options, lock, plan, deletableIndexFiles);
    report.packsWritten = done.written.length;
    report.indexFilesDeleted = done.oldFiles.length;
    report.indexFilesWritten = done.merged ? 1 : 0;
    report.bytesDeleted = done.gone.reduce((sum, p) => sum + p.bytes, 0);
    report.bytesWritten = done.written.reduce((sum, p) => sum + p.bytes, 0);
    report.bytesFreed = report.bytesDeleted - report.bytesWritten;
    return report;
  } finally {
    await lock.release();
  }
}
