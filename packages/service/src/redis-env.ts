import type { RedisTarget, SentinelAddress } from "@kubedump/queue";
import { z } from "zod";

/**
 * A sentinel's port when REDIS_SENTINELS names a host alone (Redis Sentinel's own default).
 * @defaultValue 26379
 */
export const DEFAULT_SENTINEL_PORT = 26379;

/** `host`, `host:port`, `[v6]` or `[v6]:port`. */
const ENTRY = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+))(?::(\d{1,5}))?$/;

/** REDIS_SENTINELS: comma-separated `host:port` entries, each checked and named by its position when bad. */
const sentinelList = z.string().transform((text, ctx): SentinelAddress[] => {
  const entries = text.split(",").map((e) => e.trim());
  const out: SentinelAddress[] = [];
  entries.forEach((entry, i) => {
    const m = ENTRY.exec(entry);
    const port = m?.[3] === undefined ? DEFAULT_SENTINEL_PORT : Number(m[3]);
    if (!m || port < 1 || port > 65535) {
      // A URL may hold a password: it is not echoed.
      const what = !entry
        ? "is empty"
        : /[@/]/.test(entry)
          ? "is a URL, not host:port (passwords go in REDIS_PASSWORD and REDIS_SENTINEL_PASSWORD)"
          : `"${entry}" is not host:port`;
      ctx.addIssue({ code: "custom", message: `entry ${i + 1} of ${entries.length} ${what} (host:port,host:port,…)` });
      return;
    }
    out.push({ host: (m[1] ?? m[2])!, port });
  });
  return out;
});

/**
 * The Redis variables of every service: REDIS_URL, or Redis Sentinel (REDIS_SENTINELS and
 * REDIS_SENTINEL_MASTER, with the passwords it may need). Which of them may go together is
 * checked by redisProblems.
 */
export const REDIS_ENV = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "a redis:// or rediss:// URL")
    .optional(),
  REDIS_SENTINELS: sentinelList.optional(),
  /** The master group's name the sentinels monitor. */
  REDIS_SENTINEL_MASTER: z.string().trim().min(1).optional(),
  /** The master's and replicas' password (with REDIS_URL the password goes in the URL). */
  REDIS_PASSWORD: z.string().optional(),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
};

type RedisVariables = { [K in keyof typeof REDIS_ENV]?: z.infer<(typeof REDIS_ENV)[K]> };

/** What is wrong with the combination of Redis variables, as `VARIABLE: message` lines; empty when nothing is. */
export function redisProblems(c: RedisVariables): string[] {
  const set = (k: keyof RedisVariables) => c[k] !== undefined;
  if (set("REDIS_URL") && set("REDIS_SENTINELS"))
    return ["REDIS_URL, REDIS_SENTINELS: set one of them, not both (a plain Redis, or Redis Sentinel)"];
  if (set("REDIS_SENTINELS"))
    return set("REDIS_SENTINEL_MASTER")
      ? []
      : ["REDIS_SENTINEL_MASTER: required with REDIS_SENTINELS (the master group's name the sentinels monitor)"];
  const stray = (["REDIS_SENTINEL_MASTER", "REDIS_PASSWORD", "REDIS_SENTINEL_PASSWORD"] as const).filter(set);
  if (stray.length)
    return [`${stray.join(", ")}: only read with REDIS_SENTINELS (with REDIS_URL a password goes in the URL)`];
  return set("REDIS_URL") ? [] : ["REDIS_URL: required (or REDIS_SENTINELS and REDIS_SENTINEL_MASTER for Sentinel)"];
}

/** The Redis the variables name; call it once redisProblems found nothing. */
export function redisTargetOf(c: RedisVariables): RedisTarget {
  if (c.REDIS_URL !== undefined) return { url: c.REDIS_URL };
  return {
    sentinels: c.REDIS_SENTINELS ?? [],
    name: c.REDIS_SENTINEL_MASTER ?? "",
    ...(c.REDIS_PASSWORD !== undefined ? { password: c.REDIS_PASSWORD } : {}),
    ...(c.REDIS_SENTINEL_PASSWORD !== undefined ? { sentinelPassword: c.REDIS_SENTINEL_PASSWORD } : {}),
  };
}
