import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RedisSentinelSet, startRedisSentinel } from "@kubedump/testenv";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, describeRedisTarget, type RedisTarget } from "./connection.js";
import { QUEUES } from "./names.js";
import { createQueue, createWorker } from "./queues.js";

// A real Sentinel set (Debian's redis-server: a master, a replica, three sentinels); the master is SIGKILLed.
const dir = mkdtempSync(join(tmpdir(), "kubedump-sentinel-"));
let set: RedisSentinelSet;
let target: RedisTarget;
const clients: Redis[] = [];

beforeAll(async () => {
  set = await startRedisSentinel(dir);
  await set.settled();
  target = {
    sentinels: set.sentinels.map((s) => ({ host: "127.0.0.1", port: s.port })),
    name: set.masterName,
    password: set.password,
    sentinelPassword: set.sentinelPassword,
  };
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await set?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Connection errors seen (the old master refusing while the sentinels elect a new one). */
const errors: string[] = [];
const connect = () => {
  const c = createRedis(target);
  c.on("error", (err: Error) => errors.push(err.message));
  clients.push(c);
  return c;
};

describe("createRedis through Redis Sentinel", () => {
  it("asks the sentinels for the master, follows it when the master is killed, and a queued job is delivered once", {
    timeout: 90_000,
  }, async () => {
    const redis = connect();
    const [first, replica] = set.nodes as [RedisSentinelSet["nodes"][0], RedisSentinelSet["nodes"][0]];
    expect(await set.masterPort()).toBe(first.port);
    await redis.set("before", "kept");
    expect(await redis.wait(1, 5000)).toBe(1); // replicated before the kill, so it must survive
    const deps = { connection: redis, prefix: "sentineltest" };
    const queue = createQueue<{ n: number }>(QUEUES.backups, deps);
    const seen: number[] = [];
    const worker = createWorker<{ n: number }>(QUEUES.backups, async (job) => void seen.push(job.data.n), deps);
    queue.on("error", (err) => errors.push(err.message));
    worker.on("error", (err) => errors.push(err.message));
    await queue.add("one", { n: 1 }, { jobId: "one" });
    await expect.poll(() => seen, { timeout: 10_000 }).toEqual([1]);

    process.kill(first.process.pid, "SIGKILL");
    await expect.poll(() => set.masterPort(), { timeout: 30_000, interval: 200 }).toBe(replica.port);
    // The same client, no reconnect by hand: the old master's data, writes to the new one.
    expect(await redis.get("before")).toBe("kept");
    await queue.add("two", { n: 2 }, { jobId: "two" });
    await expect.poll(() => seen, { timeout: 30_000 }).toEqual([1, 2]);
    const role = await redis.role();
    expect(role[0]).toBe("master");
    expect(errors.length, "the old master refused connections until the failover").toBeGreaterThan(0);
    await worker.close();
    await queue.close();
  });

  it("is described by its sentinels and master group, without the passwords", () => {
    const text = describeRedisTarget(target);
    expect(text).toBe(`sentinels ${set.sentinelsEnv} master kubedump`);
    expect(text).not.toContain(set.password);
    expect(text).not.toContain(set.sentinelPassword);
  });
});
