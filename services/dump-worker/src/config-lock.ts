import type { Redis } from "ioredis";

const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

export interface ConfigLock {
  /** The session that holds the lock now (it may be the caller's: the lock is re-entrant per session). */
  holder: string;
  acquired: boolean;
  release(): Promise<void>;
}

/**
 * One backup per BackupConfiguration at a time, across every worker: a Redis key holding the
 * session uid, renewed while the backup runs and expiring if its worker dies.
 */
export async function acquireConfigLock(
  redis: Redis,
  key: string,
  session: string,
  ttlMs: number,
): Promise<ConfigLock> {
  const set = await redis.set(key, session, "PX", ttlMs, "NX");
  const holder = set === "OK" ? session : ((await redis.get(key)) ?? session);
  if (holder !== session) return { holder, acquired: false, release: async () => {} };
  await redis.pexpire(key, ttlMs);
  const timer = setInterval(
    () => {
      redis.eval(RENEW, 1, key, session, String(ttlMs)).catch(() => {});
    },
    Math.max(500, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return {
    holder,
    acquired: true,
    release: async () => {
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key, session);
    },
  };
}
