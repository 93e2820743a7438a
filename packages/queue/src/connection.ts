import { Redis, type RedisOptions } from "ioredis";

/** A Redis Sentinel's address. */
export interface SentinelAddress {
  host: string;
  port: number;
}

/**
 * Where the services' Redis is: a plain URL, or the sentinels that know which node is the master
 * of the group `name` now (ioredis asks them, and again after every disconnect).
 */
export type RedisTarget =
  | { url: string }
  | {
      sentinels: SentinelAddress[];
      /** The master group's name, as the sentinels' `sentinel monitor <name> …` says. */
      name: string;
      /** The password of the master and its replicas (requirepass). */
      password?: string;
      /** The sentinels' own password (their requirepass), when they have one. */
      sentinelPassword?: string;
    };

/**
 * Sentinel mode: watch the sentinels for a switch of master (a demoted master that stays up keeps
 * answering, so waiting for the connection to drop is not enough), and reconnect and resend a
 * command a demoted master refused as READONLY.
 */
const SENTINEL_DEFAULTS: RedisOptions = {
  failoverDetector: true,
  reconnectOnError: (err) => (err.message.startsWith("READONLY") ? 2 : false),
};

/** An ioredis connection fit for BullMQ (which needs maxRetriesPerRequest: null), to a URL or through Sentinel. */
export function createRedis(target: string | RedisTarget, opts: RedisOptions = {}): Redis {
  const common: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true };
  if (typeof target === "string") return new Redis(target, { ...common, ...opts });
  if ("url" in target) return new Redis(target.url, { ...common, ...opts });
  const { sentinels, name, password, sentinelPassword } = target;
  return new Redis({ ...common, ...SENTINEL_DEFAULTS, sentinels, name, password, sentinelPassword, ...opts });
}

/** Where a target points, fit for a log line: host and port, or the sentinels and the group; never a password. */
export function describeRedisTarget(target: RedisTarget): string {
  if ("url" in target) {
    try {
      return new URL(target.url).host;
    } catch {
      return "(not a URL)";
    }
  }
  return `sentinels ${target.sentinels.map((s) => `${s.host}:${s.port}`).join(",")} master ${target.name}`;
}
