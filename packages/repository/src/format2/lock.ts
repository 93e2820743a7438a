import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { ObjectNotFoundError } from "../errors.js";
import type { ObjectEntry, ObjectStore } from "../stores/object-store.js";
import { parseJsonFile } from "./manifest.js";

/*
 * The repository lock (docs/format.md, "Locks"): `locks/<32 hex>` objects holding
 * {kind, holder, created, expires, ttlSeconds}. A backup holds a shared lock, prune an exclusive one.
 * A lock is live while its object's modification time (the store's clock) plus its ttl is later
 * than the store's "now" (the modification time of the acquirer's own lock, written just before);
 * each refresh rewrites the object, moving its modification time. Where the store reports no
 * modification times, the lock's `expires` is compared with the local clock, with LOCK_CLOCK_SKEW_MS
 * of allowance.
 */

export const LOCKS_PREFIX = "locks/";
/** How long a lock lives without a refresh; it is refreshed every third of it. @defaultValue 5 minutes */
export const DEFAULT_LOCK_TTL_MS = 5 * 60 * 1000;
/** Clock difference allowed between hosts when only local clocks can be compared. @defaultValue 2 minutes */
export const LOCK_CLOCK_SKEW_MS = 2 * 60 * 1000;
const MAX_LOCK_BYTES = 64 * 1024;

export type LockKind = "shared" | "exclusive";

/** What a lock object says of its holder. */
export interface LockInfo {
  key: string;
  kind: LockKind;
  /** Who holds it, e.g. "prune by kubedump on host-1 (pid 42)". */
  holder: string;
  created: string;
  expires: string;
  ttlSeconds: number;
}

/** How a lock is named in messages: "exclusive lock locks/… held by prune on host-1 (pid 42) since …". */
export function describeLock(lock: LockInfo): string {
  return `${lock.kind} lock ${lock.key} held by ${lock.holder} since ${lock.created}`;
}

/** Another live lock stands in the way; `holders` lists them. */
export class LockConflictError extends Error {
  override readonly name = "LockConflictError";
  constructor(
    readonly kind: LockKind,
    readonly holders: readonly LockInfo[],
  ) {
    const list = holders.map((h) => `${describeLock(h)}, expires ${h.expires} unless refreshed`).join("; ");
    super(
      `cannot take ${kind === "exclusive" ? "an" : "a"} ${kind} repository lock: ${list} ` +
        "(if its holder is dead, `kubedump unlock --remove-all` removes it now)",
    );
  }
}

/** A held lock could not be refreshed in time (or was removed): its holder must stop. */
export class LockLostError extends Error {
  override readonly name = "LockLostError";
  constructor(key: string, reason: string, options?: ErrorOptions) {
    super(`repository lock ${key} lost: ${reason}`, options);
  }
}

export interface LockOptions {
  store: ObjectStore;
  kind: LockKind;
  /** Who holds it, shown to whoever is refused; pid and host are added. */
  holder: string;
  /** @defaultValue DEFAULT_LOCK_TTL_MS */
  ttlMs?: number;
  /** The local clock (tests). */
  now?: () => Date;
  /** On a conflict, try again every LOCK_RETRY_MS for this long before failing. @defaultValue 0 */
  waitMs?: number;
}

/** How often a taker that may wait tries again. @defaultValue 2 seconds */
export const LOCK_RETRY_MS = 2000;

/** A held lock: refreshed every third of its ttl until released. */
export interface RepositoryLock {
  readonly key: string;
  readonly kind: LockKind;
  /** Throws LockLostError when a refresh failed or came too late; call before each step that deletes. */
  check(): void;
  /** Stops refreshing and deletes the lock object; safe to call twice. */
  release(): Promise<void>;
}

function lockBody(info: Omit<LockInfo, "key">): Buffer {
  return Buffer.from(`${JSON.stringify(info, null, 2)}\n`);
}

function decodeLock(key: string, data: Buffer): LockInfo {
  const fields = parseJsonFile(key, data);
  const kind = fields.string("kind");
  if (kind !== "shared" && kind !== "exclusive") fields.fail("kind", 'must be "shared" or "exclusive"');
  return {
    key,
    kind: kind as LockKind,
    holder: fields.string("holder"),
    created: fields.string("created"),
    expires: fields.string("expires"),
    ttlSeconds: fields.count("ttlSeconds"),
  };
}

/** A lock read back with the store's modification time of its object; undefined when it is gone. */
async function readLock(store: ObjectStore, entry: ObjectEntry): Promise<{ info: LockInfo; mtime?: Date } | undefined> {
  try {
    return { info: decodeLock(entry.key, await store.getBuffer(entry.key, MAX_LOCK_BYTES)), mtime: entry.mtime };
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined; // released meanwhile
    throw err;
  }
}

/** How a lock's age is judged: against the store's clock when known, else the local one with an allowance. */
interface Clock {
  storeNow?: Date;
  localNow: Date;
  skewMs: number;
}

/**
 * Whether a lock is past its expiry: its object's modification time plus its ttl against the
 * store's clock; without the store's clock, the modification time (or else `expires`) plus the ttl
 * and the skew allowance against the local clock.
 */
function isStale(lock: { info: LockInfo; mtime?: Date }, clock: Clock): boolean {
  const ttl = lock.info.ttlSeconds * 1000;
  if (lock.mtime && clock.storeNow) return lock.mtime.getTime() + ttl < clock.storeNow.getTime();
  const written = lock.mtime?.getTime() ?? Date.parse(lock.info.expires) - ttl;
  return Number.isNaN(written) || written + ttl + clock.skewMs < clock.localNow.getTime();
}

/** Every lock object under locks/ but `exceptKey`, split into live and stale. */
async function scanLocks(store: ObjectStore, exceptKey: string | undefined, clock: Clock) {
  const live: LockInfo[] = [];
  const stale: LockInfo[] = [];
  for await (const entry of store.list(LOCKS_PREFIX)) {
    if (entry.key === exceptKey) continue;
    const lock = await readLock(store, entry);
    if (lock) (isStale(lock, clock) ? stale : live).push(lock.info);
  }
  return { live, stale };
}

/** Options of listLiveLocks and removeStaleLocks, which judge by the local clock. */
export interface LockScanOptions extends Pick<LockOptions, "store" | "now"> {
  /** @defaultValue LOCK_CLOCK_SKEW_MS */
  clockSkewMs?: number;
}

function localClock(options: LockScanOptions): Clock {
  return { localNow: (options.now ?? (() => new Date()))(), skewMs: options.clockSkewMs ?? LOCK_CLOCK_SKEW_MS };
}

/** Every lock in the repository that is live now (or may be, within the skew allowance). */
export async function listLiveLocks(options: LockScanOptions): Promise<LockInfo[]> {
  return (await scanLocks(options.store, undefined, localClock(options))).live;
}

/** Deletes every stale lock (left by a holder that died); resolves with what was removed. */
export async function removeStaleLocks(options: LockScanOptions): Promise<LockInfo[]> {
  const { stale } = await scanLocks(options.store, undefined, localClock(options));
  for (const lock of stale) await options.store.delete(lock.key);
  return stale;
}

/**
 * Deletes every lock, live or not (`kubedump unlock --remove-all`, for a holder known to be dead):
 * a live holder finds its lock gone at its next refresh and stops with LockLostError.
 */
export async function removeAllLocks(options: Pick<LockOptions, "store">): Promise<RemovedLock[]> {
  const removed: RemovedLock[] = [];
  for await (const entry of options.store.list(LOCKS_PREFIX)) {
    let info: LockInfo | { key: string; unreadable: string } | undefined;
    try {
      info = (await readLock(options.store, entry))?.info;
    } catch (err) {
      info = { key: entry.key, unreadable: err instanceof Error ? err.message : String(err) };
    }
    if (!info) continue; // released meanwhile
    await options.store.delete(entry.key);
    removed.push(info);
  }
  return removed;
}

/** A lock `removeAllLocks` deleted: what it said, or why it did not read (a damaged lock object blocks every lock). */
export type RemovedLock = LockInfo | { key: string; unreadable: string };

class HeldLock implements RepositoryLock {
  private timer: NodeJS.Timeout | undefined;
  private lost: LockLostError | undefined;
  private lastWrite: number;
  private released = false;

  constructor(
    private readonly options: LockOptions & { ttlMs: number; now: () => Date },
    readonly key: string,
    private readonly created: string,
  ) {
    this.lastWrite = options.now().getTime();
  }

  get kind(): LockKind {
    return this.options.kind;
  }

  /** Writes the lock object with an expiry one ttl from now. */
  async write(): Promise<void> {
    const { ttlMs, now, kind, holder } = this.options;
    const at = now().getTime();
    const expires = new Date(at + ttlMs).toISOString();
    const body = lockBody({ kind, holder, created: this.created, expires, ttlSeconds: Math.ceil(ttlMs / 1000) });
    await this.options.store.put(this.key, body);
    this.lastWrite = at;
  }

  startRefreshing(): void {
    this.timer = setInterval(() => void this.refresh(), Math.max(1, Math.floor(this.options.ttlMs / 3)));
    this.timer.unref();
  }

  private async refresh(): Promise<void> {
    if (this.released || this.lost) return;
    try {
      // A lock removed as stale by another process may have let an exclusive holder in: never recreate it.
      if (!(await this.options.store.stat(this.key))) throw new Error("its object was removed");
      this.check();
      await this.write();
    } catch (err) {
      this.lost ??= err instanceof LockLostError ? err : new LockLostError(this.key, "refresh failed", { cause: err });
      clearInterval(this.timer);
    }
  }

  check(): void {
    if (!this.lost && this.options.now().getTime() - this.lastWrite > this.options.ttlMs)
      this.lost = new LockLostError(this.key, `not refreshed for more than ${this.options.ttlMs} ms`);
    if (this.lost) throw this.lost;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    await this.options.store.delete(this.key);
  }
}

function describeHolder(holder: string): string {
  return `${holder} on ${hostname()} (pid ${process.pid})`;
}

/** One attempt: write the lock, list the others, refuse on a conflict (deleting the lock written). */
async function tryAcquire(options: LockOptions & { ttlMs: number; now: () => Date }): Promise<HeldLock> {
  const key = `${LOCKS_PREFIX}${randomBytes(16).toString("hex")}`;
  const lock = new HeldLock(options, key, options.now().toISOString());
  await lock.write();
  try {
    const storeNow = (await options.store.stat(key))?.mtime;
    const clock = { storeNow, localNow: options.now(), skewMs: LOCK_CLOCK_SKEW_MS };
    const { live, stale } = await scanLocks(options.store, key, clock);
    for (const old of stale) await options.store.delete(old.key);
    const conflicts = options.kind === "exclusive" ? live : live.filter((l) => l.kind === "exclusive");
    if (conflicts.length > 0) throw new LockConflictError(options.kind, conflicts);
  } catch (err) {
    await lock.release().catch(() => {}); // the refusal is what the caller needs to see
    throw err;
  }
  return lock;
}

/**
 * Takes a lock: writes it, then lists locks/. An exclusive lock is refused while any other live
 * lock exists, a shared one while a live exclusive one exists: the lock written is deleted and
 * LockConflictError names the holders (after `waitMs` of retrying, when given). Stale locks met on
 * the way are deleted. Two takers racing may both be refused, never both admitted.
 */
export async function acquireLock(options: LockOptions): Promise<RepositoryLock> {
  const now = options.now ?? (() => new Date());
  const resolved = {
    ...options,
    ttlMs: options.ttlMs ?? DEFAULT_LOCK_TTL_MS,
    now,
    holder: describeHolder(options.holder),
  };
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    try {
      const lock = await tryAcquire(resolved);
      lock.startRefreshing();
      return lock;
    } catch (err) {
      if (!(err instanceof LockConflictError) || Date.now() + LOCK_RETRY_MS > deadline) throw err;
      await sleep(LOCK_RETRY_MS);
    }
  }
}
