import { hostname } from "node:os";
import { writeIndexFile } from "../format2/index-loader.js";
import type { Format2Keys } from "../format2/keys.js";
import { acquireLock } from "../format2/lock.js";
import { PackWriter, type PackWriterStats } from "../format2/pack-writer.js";
import type { ObjectStore } from "../stores/object-store.js";
import { IndexTracker } from "./index-tracker.js";
import { type JournalScope, type SegmentInfo, scopeIdOf, segmentKey } from "./layout.js";
import {
  CHANGE_KINDS,
  type JournalChange,
  type JournalGap,
  type JournalRecord,
  describeRef,
  GAP_REASONS,
} from "./records.js";
import { encodeSegment } from "./segment-format.js";

/** A segment is written at least this often while changes wait. @defaultValue 5 seconds */
export const DEFAULT_FLUSH_EVERY_MS = 5000;
/** A segment is written once this many records wait. @defaultValue 2000 */
export const DEFAULT_FLUSH_EVERY_CHANGES = 2000;
/** A segment is written once the waiting changes' YAML reaches this many bytes. @defaultValue 16 MiB */
export const DEFAULT_FLUSH_EVERY_BYTES = 16 * 1024 * 1024;
/** While flushes fail, records wait up to this many times the flush thresholds; then append refuses. @defaultValue 4 */
export const BACKLOG_FACTOR = 4;

/** Flushes have failed and the backlog is full: the change was not kept (the caller records a gap later). */
export class JournalBacklogError extends Error {
  override readonly name = "JournalBacklogError";
}

export interface JournalWriterOptions {
  store: ObjectStore;
  /** null: an unencrypted repository (the keys of a repository whose repository.json exists). */
  keys: Format2Keys | null;
  scope: JournalScope;
  flushEveryMs?: number;
  flushEveryChanges?: number;
  flushEveryBytes?: number;
  /** Shown to whoever the lock refuses. @defaultValue "journal <scope id> on <host> (pid <pid>)" */
  holder?: string;
  lockTtlMs?: number;
  packTargetBytes?: number;
  /** Index files cached between refreshes (see loadBlobIndex). */
  indexCacheDir?: string;
  /** Told of a flush started by the timer that failed; its records wait for the next flush. */
  onFlushError?: (err: unknown) => void;
  /** Told of each segment stored, whichever flush wrote it (the timer, a threshold, close). */
  onSegment?: (segment: SegmentInfo) => void;
}

/** A change to append: the YAML itself rather than its blob id (optional for a deletion). */
export interface ChangeInput extends Omit<JournalChange, "blob"> {
  data?: Buffer;
}

type Pending = { record: JournalRecord; data?: Buffer };

function checkTime(what: string, time: number): void {
  if (!Number.isSafeInteger(time) || time < 0)
    throw new TypeError(`journal: ${what}: time ${time} is not ms since the epoch`);
}

function checkChange(change: ChangeInput): void {
  const what = `${change.kind} ${describeRef(change.ref)}`;
  checkTime(what, change.time);
  for (const field of ["group", "version", "resource", "name", "uid"] as const)
    if (typeof change.ref[field] !== "string") throw new TypeError(`journal: ${what}: ref.${field} must be a string`);
  if (change.ref.name === "" || change.ref.resource === "")
    throw new TypeError(`journal: ${what}: ref.name and ref.resource must not be empty`);
  if (!CHANGE_KINDS.includes(change.kind))
    throw new TypeError(`journal: ${describeRef(change.ref)}: kind "${change.kind}" is not added, modified or deleted`);
  if (change.kind !== "deleted" && change.data === undefined) throw new TypeError(`journal: ${what}: data is required`);
}

/**
 * Appends changes of one scope to the journal. Records wait in memory and are written as one
 * segment every flushEveryMs, or once flushEveryChanges records or flushEveryBytes of YAML wait, and
 * on close. Each flush holds a shared repository lock: it refreshes the index, stores the YAML
 * blobs not in the repository yet through a PackWriter, then the index file of its packs, then the
 * segment (one atomic put). A crash loses the records not flushed yet and never leaves a segment
 * naming a missing blob. A failed flush keeps its records for the next one.
 */
export class JournalWriter {
  readonly scopeId: string;
  private readonly tracker: IndexTracker;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private flushing: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The last flush failed: appends wait for the timer's retry instead of flushing. */
  private failing = false;
  /** The earliest record time of the batch being stored, while a flush runs. */
  private storing: number | undefined;

  constructor(private readonly options: JournalWriterOptions) {
    this.scopeId = scopeIdOf(options.keys, options.scope);
    this.tracker = new IndexTracker({ store: options.store, keys: options.keys, cacheDir: options.indexCacheDir });
  }

  /**
   * Records a change; waits for a flush when the thresholds are reached (and throws its error,
   * the change kept). JournalBacklogError when flushes fail and the backlog is full.
   */
  async append(change: ChangeInput): Promise<void> {
    checkChange(change);
    const { data, ...rest } = change;
    await this.push({ record: { type: "change", ...rest }, data });
  }

  /** Records that changes between `from` and `to` may be missing (seen only as a relist's differences). */
  async appendGap(gap: JournalGap): Promise<void> {
    checkTime(`gap (${gap.reason})`, gap.from);
    checkTime(`gap (${gap.reason})`, gap.to);
    if (gap.to < gap.from) throw new TypeError(`journal: gap (${gap.reason}): to ${gap.to} is before from ${gap.from}`);
    if (!GAP_REASONS.includes(gap.reason)) throw new TypeError(`journal: gap reason "${gap.reason}" is unknown`);
    await this.push({ record: { type: "gap", ...gap } });
  }

  /** Writes what waits as one segment; resolves with it (undefined when nothing waited). */
  flush(): Promise<SegmentInfo | undefined> {
    const run = this.flushing.then(async () => {
      const segment = await this.writeSegment();
      if (segment) this.options.onSegment?.(segment);
      return segment;
    });
    this.flushing = run.catch(() => {});
    return run;
  }

  /** Stops the timer and flushes what waits; safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** The earliest time of the records not yet in a stored segment (waiting or being stored); undefined when none. */
  oldestUnstored(): number | undefined {
    const first = this.pending[0]?.record;
    const waiting = first && (first.type === "change" ? first.time : first.from);
    if (waiting === undefined) return this.storing;
    return this.storing === undefined ? waiting : Math.min(waiting, this.storing);
  }

  /** Whether `changes` records of `bytes` reach the flush thresholds times `factor`. */
  private reaches(changes: number, bytes: number, factor: number): boolean {
    const { flushEveryChanges = DEFAULT_FLUSH_EVERY_CHANGES, flushEveryBytes = DEFAULT_FLUSH_EVERY_BYTES } =
      this.options;
    return changes >= flushEveryChanges * factor || bytes >= flushEveryBytes * factor;
  }

  /**
   * Keeps a record; flushes when the thresholds are reached, unless the last flush failed: then
   * the timer retries, and once the backlog reaches BACKLOG_FACTOR times the thresholds,
   * JournalBacklogError refuses the record.
   */
  private async push(item: Pending): Promise<void> {
    if (this.closed) throw new Error(`journal writer of scope ${this.scopeId} is closed`);
    const bytes = this.pendingBytes + (item.data?.length ?? 0);
    if (this.failing && this.reaches(this.pending.length, this.pendingBytes, BACKLOG_FACTOR))
      throw new JournalBacklogError(
        `journal of scope ${this.scopeId}: ${this.pending.length} records wait and flushes fail; record not kept`,
      );
    this.pending.push(item);
    this.pendingBytes = bytes;
    if (!this.failing && this.reaches(this.pending.length, bytes, 1)) await this.flush();
    else this.armTimer();
  }

  /** Starts the flush timer unless it runs; it does not keep the process alive. */
  private armTimer(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((err: unknown) => this.options.onFlushError?.(err));
    }, this.options.flushEveryMs ?? DEFAULT_FLUSH_EVERY_MS).unref();
  }

  private async writeSegment(): Promise<SegmentInfo | undefined> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return undefined;
    [this.pending, this.pendingBytes] = [[], 0];
    const first = batch[0]?.record;
    this.storing = first && (first.type === "change" ? first.time : first.from);
    try {
      const written = await this.store(batch);
      this.failing = false;
      return written;
    } catch (err) {
      this.failing = true;
      this.tracker.invalidate();
      this.pending = [...batch, ...this.pending];
      this.pendingBytes = this.pending.reduce((sum, p) => sum + (p.data?.length ?? 0), 0);
      if (!this.closed) this.armTimer();
      throw err;
    } finally {
      this.storing = undefined;
    }
  }

  /** Blobs, index file, then the segment, under a shared lock (LockConflictError while a prune runs). */
  private async store(batch: readonly Pending[]): Promise<SegmentInfo> {
    const { store, keys } = this.options;
    const holder = this.options.holder ?? `journal ${this.scopeId} on ${hostname()} (pid ${process.pid})`;
    const lock = await acquireLock({ store, kind: "shared", holder, ttlMs: this.options.lockTtlMs });
    try {
      const index = await this.tracker.refresh();
      const packs = new PackWriter({ store, keys, index, targetBytes: this.options.packTargetBytes });
      const records: JournalRecord[] = [];
      let written: PackWriterStats;
      try {
        for (const { record, data } of batch)
          records.push(
            data === undefined || record.type === "gap" ? record : { ...record, blob: await packs.add("data", data) },
          );
        written = await packs.finish();
      } finally {
        packs.abort(); // after a failure: the compressing thread lets go of its open pack
      }
      const indexFile = await writeIndexFile({ store, keys }, written.packs);
      if (indexFile) this.tracker.adopt(indexFile.id);
      const { body, id, data } = encodeSegment(keys, this.scopeId, records);
      const key = segmentKey(this.scopeId, body.start, body.end, id);
      lock.check(); // a lost lock may have let a prune delete blobs this segment reuses
      await store.put(key, data);
      return { key, scopeId: this.scopeId, start: body.start, end: body.end, id };
    } finally {
      await lock.release();
    }
  }
}
