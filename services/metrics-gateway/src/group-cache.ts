import { randomUUID } from "node:crypto";
import type { MetricFamily } from "@kubedump/metrics";
import type { ChainableCommander, Redis } from "ioredis";
import type { HeldGroup } from "./exposition.js";
import { HeadTable } from "./exposed-families.js";
import { FamilyIndex } from "./family-index.js";
import type { StoreKeys } from "./store-keys.js";
import { readGroup } from "./stored-group.js";

/**
 * One atomic read of what a cache needs to catch up (store-keys.ts): the epoch (set when missing),
 * the version, the revised counter, the number of groups, and, when the epoch is the cached one,
 * the groups whose revision is above the cached version.
 * KEYS: epoch, version, revised, groups, revisions. ARGV: a new epoch, the cached epoch, the cached version.
 */
const READ_STATE = `
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
end
local changed = {}
if epoch == ARGV[2] then changed = redis.call('ZRANGEBYSCORE', KEYS[5], '(' .. ARGV[3], '+inf') end
return {epoch, redis.call('GET', KEYS[2]) or '0', redis.call('GET', KEYS[3]) or '0', redis.call('SCARD', KEYS[4]), changed}`;

/**
 * Ends every write: bumps the version and the revised counter, and sets the revision of each
 * group key in ARGV to the new version, which it returns. KEYS: version, revised, revisions.
 */
const BUMP = `
local version = redis.call('INCR', KEYS[1])
redis.call('INCR', KEYS[2])
for i = 1, #ARGV do redis.call('ZADD', KEYS[3], version, ARGV[i]) end
return version`;

interface StoreState {
  epoch: string;
  version: number;
  /** version − revised: it moves only when a writer that keeps no revisions (an older gateway) wrote. */
  gap: number;
  count: number;
  changed: string[];
}

/** A group's hash as read; an empty one is a group that is gone. */
type Hashes = Map<string, Record<string, string>>;

/**
 * This process's copy of the groups in Redis, parsed once per change rather than on every read.
 * Every write bumps the version and records, per group, the version of its last write; a sync
 * reads the version and, when it moved, fetches only the groups written since (and lists the
 * groups only when their number says some were deleted). A new epoch, or a write by a writer that
 * keeps no revisions, makes it read everything again. Syncs and the writes of this process are
 * applied one at a time, each at once after its reads, so the cache is always one state of Redis.
 */
export class GroupCache {
  private readonly entries = new Map<string, HeldGroup | null>();
  private readonly index = new FamilyIndex();
  private readonly heads = new HeadTable();
  private sorted: HeldGroup[] | undefined;
  private epoch = "";
  private version = -1;
  private gap = -1;
  private lock: Promise<unknown> = Promise.resolve();
  private queued: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {}

  /** Brings the cache up to what Redis holds now (or later): joins a sync not started yet, else queues one. */
  sync(): Promise<void> {
    this.queued ??= this.exclusive(() => {
      this.queued = undefined;
      return this.refresh();
    });
    return this.queued;
  }

  /** Every readable group, sorted by key, as of the last sync or write. */
  groups(): HeldGroup[] {
    this.sorted ??= [...this.entries.keys()].sort().flatMap((key) => this.entries.get(key) ?? []);
    return [...this.sorted];
  }

  group(key: string): HeldGroup | undefined {
    return this.entries.get(key) ?? undefined;
  }

  /** The groups other than `key`, sorted, that checkConsistency must see to judge `next` as on every group. */
  othersToCheck(next: readonly MetricFamily[], key: string): HeldGroup[] {
    return [...this.index.candidates(next, key)].sort().flatMap((k) => this.entries.get(k) ?? []);
  }

  /**
   * Executes a write's transaction with the bump at its end (and the removal of the revisions of
   * `deleted`), reading back the `written` groups in it, and applies the result to the cache when
   * nothing else was written since the last sync. False when a WATCH aborted the transaction.
   */
  async commit(multi: ChainableCommander, { written = [], deleted = [] }: { written?: string[]; deleted?: string[] }) {
    if (deleted.length > 0) multi.zrem(this.keys.revisions, ...deleted);
    multi.eval(BUMP, 3, this.keys.version, this.keys.revised, this.keys.revisions, ...written);
    for (const key of written) multi.hgetall(key);
    const replies = await multi.exec();
    if (replies === null) return false;
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
    const tail = replies.slice(replies.length - written.length - 1).map(([, value]) => value);
    const hashes: Hashes = new Map(written.map((key, i) => [key, tail[i + 1] as Record<string, string>]));
    await this.exclusive(() => {
      if (Number(tail[0]) !== this.version + 1) return; // another write came between: the next sync reads it
      this.apply(hashes);
      for (const key of deleted) this.remove(key);
      this.version += 1;
    });
    return true;
  }

  private async refresh(): Promise<void> {
    const state = await this.readState();
    if (state.epoch !== this.epoch || state.gap !== this.gap) {
      const hashes = await this.fetch(await this.redis.smembers(this.keys.groups));
      this.clear();
      this.apply(hashes);
    } else if (state.version !== this.version) {
      const hashes = await this.fetch(state.changed);
      const members = this.sizeAfter(hashes) === state.count ? undefined : await this.members(hashes);
      this.apply(hashes);
      if (members) {
        for (const key of [...this.entries.keys()]) if (!members.keys.has(key)) this.remove(key);
        this.apply(members.missing);
      }
    }
    this.epoch = state.epoch;
    this.version = state.version;
    this.gap = state.gap;
  }

  private async readState(): Promise<StoreState> {
    const { epoch, version, revised, groups, revisions } = this.keys;
    const args = [randomUUID(), this.epoch, String(this.version)];
    const reply = (await this.redis.eval(READ_STATE, 5, epoch, version, revised, groups, revisions, ...args)) as [
      string,
      string,
      string,
      number,
      string[],
    ];
    const [current, v, r, count, changed] = reply;
    return { epoch: current, version: Number(v), gap: Number(v) - Number(r), count, changed };
  }

  /** The listed groups (when their number disagrees with the cache's), and the listed ones the cache lacks. */
  private async members(fetched: Hashes): Promise<{ keys: Set<string>; missing: Hashes }> {
    const keys = new Set(await this.redis.smembers(this.keys.groups));
    const missing = await this.fetch([...keys].filter((key) => !this.entries.has(key) && !fetched.has(key)));
    return { keys, missing };
  }

  private async fetch(keys: readonly string[]): Promise<Hashes> {
    if (keys.length === 0) return new Map();
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hgetall(key);
    const replies = (await pipeline.exec()) ?? [];
    return new Map(
      keys.map((key, i) => {
        const [err, hash] = replies[i] ?? [new Error("no reply"), undefined];
        if (err) throw err;
        return [key, hash as Record<string, string>];
      }),
    );
  }

  /** How many groups the cache would hold with these hashes applied. */
  private sizeAfter(hashes: Hashes): number {
    let size = this.entries.size;
    for (const [key, hash] of hashes) {
      const gone = Object.keys(hash).length === 0;
      if (gone && this.entries.has(key)) size--;
      else if (!gone && !this.entries.has(key)) size++;
    }
    return size;
  }

  private apply(hashes: Hashes): void {
    for (const [key, hash] of hashes) {
      this.remove(key);
      if (Object.keys(hash).length === 0) continue;
      const read = readGroup(key, hash, this.heads.intern);
      this.entries.set(key, read?.group ?? null);
      if (read) this.index.set(key, read.families);
    }
  }

  private remove(key: string): void {
    const exposed = this.entries.get(key)?.exposed;
    if (exposed) this.heads.release(exposed.heads);
    this.entries.delete(key);
    this.index.delete(key);
    this.sorted = undefined;
  }

  private clear(): void {
    this.entries.clear();
    this.index.clear();
    this.heads.clear();
    this.sorted = undefined;
  }

  private exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
