import { type Labels, type MetricFamily, renderTextFormat } from "@kubedump/metrics";
import type { Redis } from "ioredis";
import { GatewayRequestError, PushRejectedError, StoreUnavailableError } from "./errors.js";
import type { HeldGroup, OwnFamily } from "./exposition.js";
import { nextFamilyTimes } from "./family-times.js";
import { GroupCache } from "./group-cache.js";
import { checkConsistency, nextGroupFamilies } from "./push-check.js";
import { sanitizePush } from "./push-sanitize.js";
import { GROUP_FIELDS, type StoreKeys, storeKeys } from "./store-keys.js";

/** Optimistic transactions retried this often when other replicas keep writing. */
const MAX_WRITE_ATTEMPTS = 10;
/** Connection states in which a command would only wait for a reconnect: answer 503 at once instead. */
const DOWN = new Set(["reconnecting", "close", "end"]);

export interface GroupStoreDeps {
  redis: Redis;
  keyPrefix: string;
  /** The gateway's own metrics, whose types pushes of the same name must match. */
  ownFamilies: () => ReadonlyMap<string, OwnFamily>;
  /** Unix seconds; injectable for tests. */
  now?: () => number;
}

export interface PushRequest {
  labels: Labels;
  families: MetricFamily[];
  /** PUT replaces the whole group; POST only the families of the pushed names. */
  replace: boolean;
}

/**
 * The gateway's state in Redis: one hash per grouping key (see store-keys.ts), read through a
 * cache of the groups that every read brings up to date (group-cache.ts). Writes from this process
 * run one at a time; a push is judged on the cache and written only if the version that every
 * write bumps is still the cache's, else judged again on a cache brought up to date, so the
 * consistency check always sees what the write replaces, whichever replica wrote it.
 */
export class RedisGroupStore {
  private readonly keys: StoreKeys;
  private readonly now: () => number;
  private readonly cache: GroupCache;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: GroupStoreDeps) {
    this.keys = storeKeys(deps.keyPrefix);
    this.now = deps.now ?? (() => Date.now() / 1000);
    this.cache = new GroupCache(deps.redis, this.keys);
  }

  /** Every group, sorted by grouping key; the groups and their families must not be changed. */
  groups(): Promise<HeldGroup[]> {
    return this.call("read the metric groups", async () => {
      await this.cache.sync();
      return this.cache.groups();
    });
  }

  /** Applies a push, or records a failed push and throws PushRejectedError. */
  push(req: PushRequest): Promise<void> {
    const now = this.now();
    return this.serialize(() =>
      this.call("store pushed metrics", async () => {
        let sanitized: MetricFamily[];
        try {
          sanitized = sanitizePush(req.families, req.labels);
        } catch (err) {
          await this.recordFailure(req.labels, now);
          throw err;
        }
        for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
          if (await this.tryPush(req, sanitized, now, attempt > 1 || !this.cache.synced)) return;
        }
        throw new StoreUnavailableError(
          `metric groups kept changing during ${MAX_WRITE_ATTEMPTS} attempts to store a push`,
        );
      }),
    );
  }

  /** Removes a group with all its metrics and push times. */
  delete(labels: Labels): Promise<void> {
    const key = this.keys.group(labels);
    return this.serialize(() => this.call("delete a metric group", () => this.cache.delete([key])));
  }

  /** Removes every group; resolves to how many there were. */
  wipe(): Promise<number> {
    return this.serialize(() =>
      this.call("wipe the metric groups", async () => {
        const keys = await this.deps.redis.smembers(this.keys.groups);
        if (keys.length > 0) await this.cache.delete(keys);
        return keys.length;
      }),
    );
  }

  /**
   * One optimistic attempt, judged on the cache (brought up to date first when `fresh`) and written
   * only if the store is still in that state: false when it was not, or when a refusal was judged
   * on a cache not brought up to date, which may lag behind another replica's writes.
   */
  private async tryPush(req: PushRequest, sanitized: MetricFamily[], now: number, fresh: boolean): Promise<boolean> {
    if (fresh) await this.cache.sync();
    const key = this.keys.group(req.labels);
    const current = this.cache.group(key);
    let next: MetricFamily[];
    try {
      // A PUT replaces every family: the current ones are not even parsed for it.
      const names = new Set(req.families.map((f) => f.name));
      next = nextGroupFamilies(req.replace ? [] : (current?.families ?? []), sanitized, req.replace, names);
      checkConsistency(next, this.cache.othersToCheck(next, key), this.deps.ownFamilies());
    } catch (err) {
      if (!fresh) return false;
      if (err instanceof PushRejectedError) await this.recordFailure(req.labels, now);
      throw err;
    }
    const set = {
      [GROUP_FIELDS.labels]: JSON.stringify(req.labels),
      [GROUP_FIELDS.metrics]: renderTextFormat(next),
      [GROUP_FIELDS.pushTime]: String(now),
      [GROUP_FIELDS.familyTimes]: JSON.stringify(nextFamilyTimes(current, next, sanitized, now)),
    };
    const setIfMissing = { [GROUP_FIELDS.pushFailureTime]: "0", [GROUP_FIELDS.created]: String(now) };
    return this.cache.write({ key, set, setIfMissing }, true);
  }

  /** A failed push sets the group's push_failure_time, creating the group if it is new. */
  private async recordFailure(labels: Labels, now: number): Promise<void> {
    const set = { [GROUP_FIELDS.labels]: JSON.stringify(labels), [GROUP_FIELDS.pushFailureTime]: String(now) };
    const setIfMissing = {
      [GROUP_FIELDS.metrics]: "",
      [GROUP_FIELDS.pushTime]: "0",
      [GROUP_FIELDS.created]: String(now),
    };
    await this.cache.write({ key: this.keys.group(labels), set, setIfMissing }, false);
  }

  /** Runs a store operation; refusals pass through, anything else means Redis failed us. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const { status } = this.deps.redis;
    if (DOWN.has(status)) throw new StoreUnavailableError(`could not ${what}: Redis is not connected (${status})`);
    try {
      return await fn();
    } catch (err) {
      if (err instanceof GatewayRequestError || err instanceof StoreUnavailableError) throw err;
      throw new StoreUnavailableError(`could not ${what}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
