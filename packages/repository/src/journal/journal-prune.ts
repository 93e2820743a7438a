import { ObjectLockedError, RepositoryFormatError } from "../errors.js";
import type { BlobSource } from "../format2/blob-source.js";
import type { Format2Keys } from "../format2/keys.js";
import type { SnapshotManifestV2 } from "../format2/manifest.js";
import type { ObjectStore } from "../stores/object-store.js";
import { JOURNAL_PREFIX, parseSegmentKey, type SegmentInfo, scopeIdOf } from "./layout.js";
import { decodeSegment, MAX_SEGMENT_BYTES } from "./segment-format.js";

/** What prune did to the journal. */
export interface JournalPruneReport {
  segmentsKept: number;
  /** Segments that ended before the oldest snapshot of their scope started. */
  segmentsDeleted: number;
  /** Segments prune would have deleted that S3 Object Lock still retains; kept, their blobs marked. */
  segmentsRetained: number;
}

export interface JournalPruneDeps {
  store: ObjectStore;
  keys: Format2Keys | null;
  /** Every kept format-2 snapshot. */
  manifests: readonly SnapshotManifestV2[];
  /** The blobs of the repository's index. */
  source: BlobSource;
  /** Blob id → what uses it (a snapshot id or a segment key); the kept segments' blobs are added. */
  used: Map<string, string>;
  /** Throws when the exclusive lock was lost; called before each deletion. */
  check(): void;
  /** Only count: an expired segment is reported as deleted but stays, and its blobs are not marked. */
  dryRun?: boolean;
}

/** Scope id → the start (ms) of its oldest kept snapshot. */
function oldestByScope(keys: Format2Keys | null, manifests: readonly SnapshotManifestV2[]): Map<string, number> {
  const oldest = new Map<string, number>();
  for (const manifest of manifests) {
    const scopeId = scopeIdOf(keys, manifest);
    const time = Date.parse(manifest.time);
    if (!Number.isNaN(time) && time < (oldest.get(scopeId) ?? Number.POSITIVE_INFINITY)) oldest.set(scopeId, time);
  }
  return oldest;
}

/** Marks the blobs of a kept segment used; RepositoryFormatError naming it and the first blob no index file lists. */
async function markSegment(deps: JournalPruneDeps, info: SegmentInfo): Promise<void> {
  const { records } = decodeSegment(deps.keys, info, await deps.store.getBuffer(info.key, MAX_SEGMENT_BYTES));
  for (const record of records) {
    if (record.type !== "change" || record.blob === undefined) continue;
    if (!deps.source.has(record.blob))
      throw new RepositoryFormatError(info.key, `data blob ${record.blob} is in no index file; run verify`);
    if (!deps.used.has(record.blob)) deps.used.set(record.blob, info.key);
  }
}

/**
 * Prune's journal step (docs/format.md, "Journal (format 2)"), run under prune's exclusive lock
 * after the snapshots are marked and before any pack is touched: a segment that ended before
 * the oldest kept snapshot of its scope started is deleted (segments of a scope with no snapshot
 * are all kept); every other segment is read and its blobs marked used. Deleting segments first
 * keeps the rule that a segment never names a missing blob, wherever prune is killed.
 */
export async function pruneJournal(deps: JournalPruneDeps): Promise<JournalPruneReport> {
  const oldest = oldestByScope(deps.keys, deps.manifests);
  const report: JournalPruneReport = { segmentsKept: 0, segmentsDeleted: 0, segmentsRetained: 0 };
  for await (const entry of deps.store.list(JOURNAL_PREFIX)) {
    const info = parseSegmentKey(entry.key);
    if (info === undefined) continue;
    if (info.end < (oldest.get(info.scopeId) ?? Number.NEGATIVE_INFINITY)) {
      deps.check();
      try {
        if (!deps.dryRun) await deps.store.delete(info.key);
        report.segmentsDeleted += 1;
        continue;
      } catch (err) {
        if (!(err instanceof ObjectLockedError)) throw err;
        report.segmentsRetained += 1;
      }
    } else report.segmentsKept += 1;
    await markSegment(deps, info);
  }
  return report;
}
