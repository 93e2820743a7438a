// Prune on MinIO and on a local directory: after a snapshot is forgotten it removes exactly the
// blobs no snapshot uses, the kept snapshots read back byte-identical, and it respects the lock.
import { describe, expect, inject, it } from "vitest";
import { collect, wrapStore } from "../test-support.js";
import { loadBlobIndex } from "./index-loader.js";
import { type Format2Keys, blobId } from "./keys.js";
import { acquireLock, LockConflictError } from "./lock.js";
import { pruneRepository } from "./prune.js";
import { openFormat2Repository } from "./repository.js";
import {
  draftV2,
  inputHashes,
  pruneInput,
  readBackHashes,
  storedDataBlobs,
  TEST_KEYS,
  writeForgottenMiddle,
  testStores,
} from "./test-support.js";
import { verifyRepository } from "./verify.js";

const env = inject("testenv");
const { stores: STORES, localStore, s3Store } = testStores(env, "kubedump-f2-prune", "prune");

describe.each(STORES)("format 2 prune on %s", (_, newStore) => {
  it.each([
    ["unencrypted", null],
    ["encrypted", TEST_KEYS],
  ] as [string, Format2Keys | null][])(
    "removes exactly the unused blobs (%s); kept snapshots read back byte-identical",
    async (_, keys) => {
      const store = newStore();
      const kept = await writeForgottenMiddle(store, keys);
      const usedData = new Set([...kept.values()].flat().map((o) => blobId(keys, o.data)));
      const before = await storedDataBlobs(store, keys);
      expect(before.size).toBe(usedData.size + 100); // the middle snapshot's changed objects

      // A dry run plans the same packs and changes nothing (its lock is gone with it).
      const listing = async () => (await collect(store.list(""))).map((e) => `${e.key} ${e.size}`);
      const untouched = await listing();
      const planned = await pruneRepository({ store, keys, repackThreshold: 0, dryRun: true });
      expect(await listing()).toEqual(untouched);

      const report = await pruneRepository({ store, keys, repackThreshold: 0 });
      expect(report).toMatchObject({ snapshots: 2, indexFilesDeleted: 3, indexFilesWritten: 1 });
      expect(planned).toMatchObject({
        dryRun: true,
        packsDeleted: report.packsDeleted,
        packsRepacked: report.packsRepacked,
        bytesDeleted: report.bytesDeleted,
        indexFilesDeleted: 0,
      });
      expect(planned.bytesWritten).toBeGreaterThanOrEqual(report.packsRepacked > 0 ? 1 : 0);
      expect(report.packsDeleted + report.packsRepacked).toBeGreaterThan(0);
      expect(report.bytesFreed).toBeGreaterThan(0);
      expect(await storedDataBlobs(store, keys)).toEqual(usedData);
      const { index } = await loadBlobIndex({ store, keys });
      for (const id of usedData) expect(index.get(id)?.type).toBe("data");
      for (const [id, input] of kept) expect(await readBackHashes(store, keys, id)).toEqual(inputHashes(input));
      expect((await verifyRepository({ store, keys })).problems).toEqual([]);

      const again = await pruneRepository({ store, keys, repackThreshold: 0 });
      expect(again).toMatchObject({ packsDeleted: 0, packsRepacked: 0, indexFilesWritten: 0, bytesFreed: 0 });
      expect(await collect(store.list("locks/"))).toEqual([]);
    },
  );

  it("keeps packs below the repack threshold whole, listing only their used blobs", async () => {
    const store = newStore();
    const kept = await writeForgottenMiddle(store, null);
    const report = await pruneRepository({ store, keys: null, repackThreshold: 0.99 });
    expect(report.packsRepacked).toBe(0);
    const { index } = await loadBlobIndex({ store, keys: null });
    const usedData = [...kept.values()].flat().map((o) => blobId(null, o.data));
    expect(usedData.every((id) => index.has(id))).toBe(true);
    for (const [id, input] of kept) expect(await readBackHashes(store, null, id)).toEqual(inputHashes(input));
  });

  it("refuses to run while a backup holds a shared lock, and deletes nothing", async () => {
    const store = newStore();
    await writeForgottenMiddle(store, null);
    const keysBefore = (await collect(store.list(""))).map((e) => e.key);
    const backup = await acquireLock({ store, kind: "shared", holder: "backup nightly-1764122400" });
    await expect(pruneRepository({ store, keys: null })).rejects.toThrow(/shared lock .* backup nightly-1764122400/);
    await backup.release();
    expect((await collect(store.list(""))).map((e) => e.key)).toEqual(keysBefore);
  });
});

describe("a backup during a prune", () => {
  it("is refused its shared lock, naming the prune", async () => {
    const inner = localStore("during");
    await writeForgottenMiddle(inner, null);
    let release = () => {};
    const paused = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached = () => {};
    const atFirstDelete = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const store = wrapStore(inner, {
      async delete(key) {
        if (!key.startsWith("locks/")) {
          reached();
          await paused;
        }
        await inner.delete(key);
      },
    });
    const prune = pruneRepository({ store, keys: null, holder: "prune of the night" });
    await atFirstDelete;
    const refused = acquireLock({ store: inner, kind: "shared", holder: "backup" });
    await expect(refused).rejects.toThrow(LockConflictError);
    await expect(refused).rejects.toThrow(/exclusive lock .* prune of the night/);
    release();
    expect((await prune).packsDeleted + (await prune).packsRepacked).toBeGreaterThan(0);
    const backup = await acquireLock({ store: inner, kind: "shared", holder: "backup" });
    await backup.release();
  });
});

describe("a prune and a backup of one Format2Repository on MinIO", () => {
  it("refuses the prune while the backup writes, then prunes once it has committed", async () => {
    const store = s3Store();
    const repository = await openFormat2Repository({ store });
    await writeForgottenMiddle(store, null);
    let prune: Promise<unknown> | undefined;
    async function* slowObjects() {
      for (const [i, object] of pruneInput(2).entries()) {
        if (i === 10) prune = repository.prune().catch((err: unknown) => err);
        if (i === 10) await expect(prune).resolves.toBeInstanceOf(LockConflictError);
        yield object;
      }
    }
    const id = "20261126T050000Z-0a0a0a0a";
    await repository.writeSnapshot(draftV2(id), slowObjects());
    expect(String(await prune)).toMatch(new RegExp(`shared lock .* backup ${id}`));
    const report = await repository.prune();
    expect(report.snapshots).toBe(3);
    expect(report.packsDeleted + report.packsRepacked).toBeGreaterThan(0);
    expect((await repository.verify({ readDataSubset: "50%" })).problems).toEqual([]);
    expect(await readBackHashes(store, null, id)).toEqual(inputHashes(pruneInput(2)));
  });
});
