// Prune in a bucket with S3 Object Lock: a store whose retainedUntil names some keys (a double of
// our own ObjectStore interface over a local directory; the real S3 retention is tested in
// stores/s3-object-lock.test.ts) and whose delete refuses them, as MinIO and S3 do.
import { inject, describe, expect, it } from "vitest";
import { ObjectLockedError } from "../errors.js";
import type { ObjectStore } from "../stores/object-store.js";
import { collect, wrapStore } from "../test-support.js";
import { blobId } from "./keys.js";
import { indexFileKey } from "./layout.js";
import { pruneRepository } from "./prune.js";
import { readIndexFiles } from "./index-loader.js";
import { inputHashes, readBackHashes, storedDataBlobs, testStores, writeForgottenMiddle } from "./test-support.js";
import { verifyRepository } from "./verify.js";

const env = inject("testenv");
const { localStore } = testStores(env, "kubedump-f2-retained", "retained");
const UNTIL = new Date("2099-01-01T00:00:00Z");

/** `inner` with `locked` keys retained until UNTIL: their deletes are refused. */
function retaining(inner: ObjectStore, locked: Set<string>): ObjectStore {
  return wrapStore(inner, {
    retainedUntil: async (key) => (locked.has(key) ? UNTIL : undefined),
    delete: async (key) => {
      if (locked.has(key)) throw new ObjectLockedError(key, UNTIL);
      await inner.delete(key);
    },
  });
}

async function expectReadable(store: ObjectStore, kept: Awaited<ReturnType<typeof writeForgottenMiddle>>) {
  expect((await verifyRepository({ store, keys: null })).problems).toEqual([]);
  for (const [id, input] of kept) expect(await readBackHashes(store, null, id)).toEqual(inputHashes(input));
}

describe("format 2 prune and S3 Object Lock", () => {
  it("spares every retained object, says so, and frees them once the retention ends", async () => {
    const inner = localStore();
    const kept = await writeForgottenMiddle(inner, null);
    // Every pack retained; the index files not (they may go: the merged one lists what is kept).
    const locked = new Set((await collect(inner.list("data/"))).map((e) => e.key));
    const store = retaining(inner, locked);

    const report = await pruneRepository({ store, keys: null, repackThreshold: 0 });
    expect(report).toMatchObject({ packsDeleted: 0, packsRepacked: 0, unlistedPacksDeleted: 0, bytesDeleted: 0 });
    expect(report.retained.packs).toBeGreaterThan(0);
    expect(report.retained).toMatchObject({ indexFiles: 0, retainedUntil: UNTIL });
    expect(report.indexFilesDeleted).toBe(3);
    expect(new Set((await collect(inner.list("data/"))).map((e) => e.key))).toEqual(locked);
    await expectReadable(store, kept);

    locked.clear(); // the retention ended
    const after = await pruneRepository({ store, keys: null, repackThreshold: 0 });
    expect(after.packsDeleted + after.packsRepacked).toBeGreaterThan(0);
    expect(after.retained).toEqual({ packs: 0, indexFiles: 0 });
    const used = new Set([...kept.values()].flat().map((o) => blobId(null, o.data)));
    expect(await storedDataBlobs(store, null)).toEqual(used);
    await expectReadable(store, kept);
  });

  it("keeps every pack a retained index file lists, and prunes the rest", async () => {
    // Which packs a prune deletes, found on a twin repository (packs are content-addressed: the
    // same input gives the same pack ids).
    const twin = localStore();
    await writeForgottenMiddle(twin, null);
    const twinBefore = (await collect(twin.list("data/"))).map((e) => e.key);
    await pruneRepository({ store: twin, keys: null, repackThreshold: 0 });
    const twinAfter = new Set((await collect(twin.list("data/"))).map((e) => e.key));
    const goes = new Set(twinBefore.filter((k) => !twinAfter.has(k)));
    expect(goes.size).toBeGreaterThan(0);

    const inner = localStore();
    const kept = await writeForgottenMiddle(inner, null);
    const files = await collect(readIndexFiles({ store: inner, keys: null }));
    const keyOf = (id: string) => `data/${id.slice(0, 2)}/${id}`;
    // An index file listing packs that would go: retained, so they must stay.
    const pinning = files.find((f) => f.packs.some((p) => goes.has(keyOf(p.id))));
    expect(pinning).toBeDefined();
    const store = retaining(inner, new Set([indexFileKey(pinning!.id)]));

    const report = await pruneRepository({ store, keys: null, repackThreshold: 0 });
    expect(report.retained.indexFiles).toBe(1);
    const left = new Set((await collect(inner.list("data/"))).map((e) => e.key));
    for (const pack of pinning!.packs) expect(left.has(keyOf(pack.id))).toBe(true);
    await expectReadable(store, kept);
  });
});
