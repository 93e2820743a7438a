import { type Labels, parseTextFormat } from "@kubedump/metrics";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { PushRejectedError } from "./errors.js";
import type { HeldGroup, OwnFamily } from "./exposition.js";
import { RedisGroupStore } from "./group-store.js";
import { GROUP_FIELDS, type StoreKeys, storeKeys } from "./store-keys.js";
import { newPrefix, seededRandom } from "./test-support.js";

// Stores (replicas) on one key prefix, each with its cache and its own connection, must read
// exactly what a store with an empty cache reads from Redis, after every write through any of them
// and after writes the caches were not told of.

const env = inject("testenv");
const connections: Redis[] = [];
afterAll(async () => {
  await Promise.all(connections.map((c) => c.quit()));
});

function connect(): Redis {
  const redis = new Redis(env.redisUrl);
  connections.push(redis);
  return redis;
}

const OWN = new Map<string, OwnFamily>([["own_total", { type: "counter" }]]);
let clock = 1_764_122_400;

const store = (keyPrefix: string, redis = connect()): RedisGroupStore =>
  new RedisGroupStore({ redis, keyPrefix, ownFamilies: () => OWN, now: () => clock });

/** Everything a group is, families parsed. */
const snapshot = (groups: HeldGroup[]) =>
  groups.map((g) => ({
    key: g.key,
    labels: g.labels,
    families: g.families,
    times: [g.pushTime, g.pushFailureTime, g.created, g.familyTimes],
    corrupt: g.corrupt,
  }));

/** Replicas and a reader that starts from nothing at every look, on one fresh prefix. */
function replicas() {
  const prefix = newPrefix();
  const fresh = connect();
  const stores = [store(prefix), store(prefix)] as const;
  const expectSame = async (why: string): Promise<ReturnType<typeof snapshot>> => {
    const truth = snapshot(await store(prefix, fresh).groups());
    for (const [i, s] of stores.entries()) expect(snapshot(await s.groups()), `${why}: replica ${i}`).toEqual(truth);
    return truth;
  };
  return { prefix, stores, expectSame, keys: storeKeys(prefix) };
}

const push = (s: RedisGroupStore, labels: Labels, text: string, replace = true) =>
  s.push({ labels, families: parseTextFormat(text), replace });

/** A write as the gateway made it before it kept revisions: the hash, the set, the version. */
async function olderWrite(keys: StoreKeys, labels: Labels, metrics: string): Promise<void> {
  const key = keys.group(labels);
  const fields = { [GROUP_FIELDS.labels]: JSON.stringify(labels), [GROUP_FIELDS.metrics]: metrics };
  await connect().multi().hset(key, fields).sadd(keys.groups, key).incr(keys.version).exec();
}

/** A random write through a random replica: a push (often conflicting), a failing push, a delete, rarely a wipe. */
function randomWrite(random: () => number, stores: readonly RedisGroupStore[]): () => Promise<string> {
  const s = stores[Math.floor(random() * stores.length)] as RedisGroupStore;
  const labels = { job: "r", instance: String(Math.floor(random() * 6)) };
  const r = random();
  if (r < 0.02) return () => s.wipe().then(() => "wipe");
  if (r < 0.15) return () => s.delete(labels).then(() => "delete");
  const lines = ["a", "b", "c", "own_total"]
    .filter(() => random() < 0.5)
    .map((name) => `# TYPE ${name} ${random() < 0.5 ? "counter" : "gauge"}\n${name}{n="${random() < 0.5}"} ${r}`);
  if (r > 0.95) lines.push(`timestamped 1 ${Math.floor(r * 1000)}`); // refused by sanitizePush: a failed push
  const text = lines.join("\n");
  return () =>
    push(s, labels, text, random() < 0.5).then(
      () => "pushed",
      (err: unknown) => {
        if (err instanceof PushRejectedError) return "refused";
        throw err;
      },
    );
}

describe("the group cache of each replica", () => {
  it("reads what Redis holds after each of 200 random writes through two replicas, one at a time and four at once", async () => {
    const { stores, expectSame } = replicas();
    const random = seededRandom(2025).next;
    const outcomes: string[] = [];
    for (let step = 0; step < 200; step++) {
      clock += 1;
      const writes = Array.from({ length: step % 2 === 0 ? 1 : 4 }, () => randomWrite(random, stores));
      outcomes.push(...(await Promise.all(writes.map((write) => write()))));
      await expectSame(`step ${step}`);
    }
    for (const outcome of ["pushed", "refused", "delete", "wipe"]) expect(outcomes).toContain(outcome);
    expect(outcomes.filter((o) => o === "pushed").length).toBeGreaterThan(100);
  });

  it("sees a group another replica deleted, even when as many were added meanwhile", async () => {
    const { stores, expectSame } = replicas();
    const [a, b] = stores;
    await push(a, { job: "d", instance: "1" }, "d 1");
    await push(a, { job: "d", instance: "2" }, "d 2");
    await expectSame("before");
    await b.delete({ job: "d", instance: "1" });
    await push(b, { job: "d", instance: "3" }, "d 3");
    const groups = await expectSame("after");
    expect(groups.map((g) => g.labels.instance)).toEqual(["2", "3"]);
  });

  it("judges a push again on what Redis holds before refusing it on a cache that lags", async () => {
    const { stores, expectSame } = replicas();
    const [a, b] = stores;
    await push(a, { job: "x" }, "# TYPE m counter\nm 1");
    await expectSame("before");
    await b.delete({ job: "x" }); // a's cache still has m as a counter
    await push(a, { job: "y" }, "# TYPE m gauge\nm 2");
    const groups = await expectSame("after");
    expect(groups.map((g) => [g.labels.job, g.families[0]?.type, g.times[1]])).toEqual([["y", "gauge", 0]]);
  });

  it("reads everything again after a write by a writer that keeps no revisions (a gateway of an older version)", async () => {
    const { stores, expectSame, keys } = replicas();
    await push(stores[0], { job: "old", instance: "1" }, "kept 1");
    await expectSame("before");
    await olderWrite(keys, { job: "old", instance: "1" }, "kept 2\n");
    const groups = await expectSame("after");
    expect(groups[0]?.families[0]?.samples[0]?.value).toBe(2);
  });

  it("reads everything again when the keys were lost, even once the version is back where it was", async () => {
    const { stores, expectSame, keys, prefix } = replicas();
    const [a, b] = stores;
    for (const n of ["1", "2"]) await push(a, { job: "lost", instance: n }, "lost 1");
    await expectSame("before");
    const redis = connect();
    await redis.del(...(await redis.keys(`${prefix}:*`)));
    await push(b, { job: "new", instance: "9" }, "found 1");
    await push(b, { job: "new", instance: "9" }, "found 2");
    expect(await redis.get(keys.version)).toBe("2"); // where it was when the caches last read it
    const groups = await expectSame("after");
    expect(groups.map((g) => g.labels.job)).toEqual(["new"]);
  });

  it("serves a group whose stored metrics do not parse with the reason, and none of its families", async () => {
    const { stores, expectSame, keys } = replicas();
    await push(stores[0], { job: "bad" }, "fine 1");
    await olderWrite(keys, { job: "bad" }, "not{valid");
    const [group] = await expectSame("after");
    expect(group?.families).toEqual([]);
    expect(group?.corrupt).toMatch(/line 1/);
  });
});
