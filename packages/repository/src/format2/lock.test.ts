// The repository lock on MinIO and on a local directory: shared locks coexist, an exclusive one is
// refused while another lock is live (naming its holders), expired locks are ignored, refreshes keep one live.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, inject, it } from "vitest";
import type { ObjectStore } from "../stores/object-store.js";
import { collect } from "../test-support.js";
import { acquireLock, LockConflictError, LockLostError, listLiveLocks, removeStaleLocks } from "./lock.js";
import { testStores } from "./test-support.js";

const env = inject("testenv");
const { stores: STORES, localStore } = testStores(env, "kubedump-f2-locks", "lock");

/** A lock object as a holder that died leaves it: never refreshed, ttl 1 s. */
async function deadLock(store: ObjectStore, kind: "shared" | "exclusive"): Promise<string> {
  const key = `locks/${randomBytes(16).toString("hex")}`;
  const created = new Date(Date.now() - 10 * 60 * 1000);
  const expires = new Date(created.getTime() + 1000);
  const body = { kind, holder: "backup that died", created, expires, ttlSeconds: 1 };
  await store.put(key, Buffer.from(JSON.stringify(body)));
  return key;
}

describe.each(STORES)("repository lock on %s", (_, newStore) => {
  it("lets shared locks coexist and refuses an exclusive one, naming the holders", async () => {
    const store = newStore();
    const first = await acquireLock({ store, kind: "shared", holder: "backup nightly-1" });
    const second = await acquireLock({ store, kind: "shared", holder: "backup hourly-7" });
    const refused = acquireLock({ store, kind: "exclusive", holder: "prune" });
    await expect(refused).rejects.toThrow(LockConflictError);
    await expect(refused).rejects.toThrow(/backup nightly-1.*backup hourly-7|backup hourly-7.*backup nightly-1/);
    expect((await collect(store.list("locks/"))).map((e) => e.key).sort()).toEqual([first.key, second.key].sort());
    await first.release();
    await second.release();
    await first.release(); // twice is fine
    const prune = await acquireLock({ store, kind: "exclusive", holder: "prune" });
    await expect(acquireLock({ store, kind: "shared", holder: "backup nightly-2" })).rejects.toThrow(
      /exclusive lock locks\/[0-9a-f]{32} held by prune on/,
    );
    await expect(acquireLock({ store, kind: "exclusive", holder: "prune 2" })).rejects.toThrow(LockConflictError);
    expect(await listLiveLocks({ store })).toEqual([expect.objectContaining({ key: prune.key, kind: "exclusive" })]);
    await prune.release();
    expect(await collect(store.list("locks/"))).toEqual([]);
  });

  it("ignores and removes a dead holder's expired lock", async () => {
    const store = newStore();
    const dead = await deadLock(store, "exclusive");
    await sleep(2200);
    expect(await listLiveLocks({ store, clockSkewMs: 0 })).toEqual([]);
    const backup = await acquireLock({ store, kind: "shared", holder: "backup" });
    expect(await store.stat(dead)).toBeUndefined();
    expect(await listLiveLocks({ store })).toEqual([expect.objectContaining({ key: backup.key, kind: "shared" })]);
    await backup.release();
    const other = await deadLock(store, "shared");
    expect(await removeStaleLocks({ store })).toEqual([]); // within the skew allowance by the local clock
    await sleep(2200);
    expect((await removeStaleLocks({ store, clockSkewMs: 0 })).map((l) => l.key)).toEqual([other]);
    expect(await collect(store.list("locks/"))).toEqual([]);
  });

  it("stays live past its ttl while refreshed, and expires once its holder stops refreshing", async () => {
    const store = newStore();
    const held = await acquireLock({ store, kind: "shared", holder: "slow backup", ttlMs: 2000 });
    await sleep(4500);
    held.check();
    await expect(acquireLock({ store, kind: "exclusive", holder: "prune" })).rejects.toThrow(/slow backup/);
    // The lock object of a process that died: left in place, no longer refreshed.
    const body = await store.getBuffer(held.key);
    await held.release();
    await store.put(held.key, body);
    await sleep(3500);
    const prune = await acquireLock({ store, kind: "exclusive", holder: "prune" });
    expect(await store.stat(held.key)).toBeUndefined();
    await prune.release();
  });
});

describe("a held lock", () => {
  it("lets a taker that may wait in once the exclusive holder releases", async () => {
    const store = localStore("wait");
    const prune = await acquireLock({ store, kind: "exclusive", holder: "prune" });
    setTimeout(() => void prune.release(), 500);
    const started = Date.now();
    const backup = await acquireLock({ store, kind: "shared", holder: "backup", waitMs: 10_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    await backup.release();
    const again = await acquireLock({ store, kind: "exclusive", holder: "prune" });
    await expect(acquireLock({ store, kind: "shared", holder: "backup", waitMs: 1000 })).rejects.toThrow(/prune/);
    await again.release();
  });

  it("reports itself lost when its object was removed under it", async () => {
    const store = localStore("lost");
    const held = await acquireLock({ store, kind: "exclusive", holder: "prune", ttlMs: 300 });
    await store.delete(held.key);
    await sleep(400);
    expect(() => held.check()).toThrow(LockLostError);
    await held.release();
  });
});
