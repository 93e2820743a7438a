import { Redis, type RedisOptions } from "ioredis";

/** An ioredis connection fit for BullMQ (which needs maxRetriesPerRequest: null). */
export function createRedis(url: string, opts: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...opts });
}
