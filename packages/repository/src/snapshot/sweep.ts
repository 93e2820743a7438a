import type { ObjectStore } from "../stores/object-store.js";
import { lockedUntil } from "./forget.js";
import { SNAPSHOTS_PREFIX, snapshotManifestKey } from "./layout.js";
import type { UnfinishedSnapshot } from "./types.js";

/** Leftovers younger than this may belong to a backup still uploading. */
export const DEFAULT_SWEEP_AGE_MS = 60 * 60 * 1000;

export interface SweepOptions {
  /** Remove leftovers whose newest object is older than this (default one hour). */
  olderThanMs?: number;
  /** The clock (default: now). */
  now?: Date;
  /** Only report what would be removed. */
  dryRun?: boolean;
}

export interface SweepResult {
  dryRun: boolean;
  /** Unfinished snapshots removed (or, on a dry run, that would be). */
  removed: UnfinishedSnapshot[];
  /** Unfinished snapshots left alone because they are younger than the cut-off, or S3 Object Lock retains them. */
  skipped: UnfinishedSnapshot[];
  /** Store objects deleted. */
  deletedKeys: number;
  deletedBytes: number;
  /** Multipart uploads (or local temp files) of dead processes removed. */
  incompleteUploads: number;
}

export interface SweepDeps {
  store: ObjectStore;
  listUnfinished(): Promise<UnfinishedSnapshot[]>;
  deleteSnapshot(id: string): Promise<{ keys: number; bytes: number }>;
}

/**
 * Removes what failed or interrupted uploads left: snapshot directories without snapshot.json
 * whose newest object is older than the cut-off, and unfinished multipart uploads started before
 * it. A leftover without a modification time is kept (its age is unknown).
 */
export async function sweepUnfinished(deps: SweepDeps, options: SweepOptions = {}): Promise<SweepResult> {
  const olderThanMs = options.olderThanMs ?? DEFAULT_SWEEP_AGE_MS;
  if (!Number.isFinite(olderThanMs) || olderThanMs < 0)
    throw new RangeError(`olderThanMs must be >= 0, got ${olderThanMs}`);
  const cutoff = new Date((options.now ?? new Date()).getTime() - olderThanMs);
  const result: SweepResult = {
    dryRun: options.dryRun ?? false,
    removed: [],
    skipped: [],
    deletedKeys: 0,
    deletedBytes: 0,
    incompleteUploads: 0,
  };
  for (const unfinished of await deps.listUnfinished()) {
    const old = unfinished.lastModified !== undefined && unfinished.lastModified <= cutoff;
    (old ? result.removed : result.skipped).push(unfinished);
  }
  if (result.dryRun) return result;
  for (const { id } of [...result.removed]) {
    if (await deps.store.stat(snapshotManifestKey(id))) continue; // committed after all, since the listing
    if (await lockedUntil(deps.store, id)) {
      moveToSkipped(result, id); // never half-deleted: a later sweep removes it once its lock ends
      continue;
    }
    const { keys, bytes } = await deps.deleteSnapshot(id);
    result.deletedKeys += keys;
    result.deletedBytes += bytes;
  }
  result.incompleteUploads = await deps.store.removeIncompleteUploads(SNAPSHOTS_PREFIX, cutoff);
  return result;
}

function moveToSkipped(result: SweepResult, id: string): void {
  result.skipped.push(...result.removed.filter((r) => r.id === id));
  result.removed = result.removed.filter((r) => r.id !== id);
}
