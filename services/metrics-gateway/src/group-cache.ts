import { randomUUID } from "node:crypto";
import type { MetricFamily } from "@kubedump/metrics";
import type { Redis } from "ioredis";
import type { HeldGroup } from "./exposition.js";
import { HeadTable } from "./exposed-families.js";
import { FamilyIndex } from "./family-index.js";
import type { StoreKeys } from "./store-keys.js";
import { BUMP, READ_STATE, WRITE_GROUP } from "./store-scripts.js";
import { readGroup } from "./stored-group.js";

/** A write of one group's hash: fields to set, and fields to set only where the hash lacks them. */
export interface GroupWrite {
  key: string;
  set: Record<string, string>;
  setIfMissing: Record<string, string>;
}

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
 * keeps no revisions, makes it read everything again. A write of this process is read back in the
 * same script and applied at once. Syncs and writes are applied one at a time, each at once after
 * its reads, so the cache is always one state of Redis, the one its version names (or a group of it
 * newer, which only makes a write judged on it fail).
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

  /** Whether the cache has read the store at least once. */
  get synced(): boolean {
    return this.version >= 0;
  }

  /** Every readable group, sorted by key, as of the last sync or write. */
  groups(): HeldGroup[] {
    this.sorted ??= [...this.entries.keys()].sort().flatMap((key) => this.entries.get(key) ?? []);
    return [...this.sorted];
  }

  group(key: string): HeldGroup | undefined {
    return this.entries.get(key) ?? undefined;
  }

  /**
   * The groups other than `key`, sorted, that checkConsistency must see to judge `next` as on every
   * group; each with its families parsed once, as the check reads them more than once.
   */
  othersToCheck(next: readonly MetricFamily[], key: string): HeldGroup[] {
    return [...this.index.candidates(next, key)]
      .sort()
      .flatMap((k) => this.entries.get(k) ?? [])
      .map((group) => ({ ...group, families: group.families }));
  }

  /**
   * Writes a group and applies the write to the cache. With `judged`, only if the store is still in
   * the state the cache holds now, in which the write was judged: false when it is not (sync, judge
   * again, retry).
   */
  async write({ key, set, setIfMissing }: GroupWrite, judged: boolean): Promise<boolean> {
    const { epoch, version, revised, revisions, groups } = this.keys;
    const state = judged ? [this.epoch, String(this.version)] : ["", ""];
    const fields = [
      String(Object.keys(set).length),
      ...Object.entries(set).flat(),
      ...Object.entries(setIfMissing).flat(),
    ];
    const reply = (await this.redis.eval(
      WRITE_GROUP,
      6,
      epoch,
      version,
      revised,
      revisions,
      groups,
      key,
      ...state,
      ...fields,
    )) as [number, string[]] | null;
    if (reply === null) return false;
    const [written, flat] = reply;
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string;
    await this.exclusive(() => this.applyWrite(written, new Map([[key, hash]]), []));
    return true;
  }

  /** Deletes groups and removes them from the cache. */
  async delete(keys: readonly string[]): Promise<void> {
    const { version, revised, revisions, groups } = this.keys;
    const multi = this.redis
      .multi()
      .del(...keys)
      .srem(groups, ...keys)
      .zrem(revisions, ...keys);
    const replies = (await multi.eval(BUMP, 2, version, revised).exec()) ?? [];
    const [err, written] = replies.find(([e]) => e) ?? replies.at(-1) ?? [new Error("no reply")];
    if (err) throw err;
    await this.exclusive(() => this.applyWrite(Number(written), new Map(), keys));
  }

  /** A write of this process, applied when nothing else was written since the cache's state (else the next sync reads it). */
  private applyWrite(written: number, hashes: Hashes, deleted: readonly string[]): void {
    if (written !== this.version + 1) return;
    this.apply(hashes);
    for (const key of deleted) this.remove(key);
    this.version = written;
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
