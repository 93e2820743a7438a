// S3 Object Lock and format 2 on the test MinIO (a bucket made with object locking): a snapshot that
// reuses packs of an older backup extends their retention, and that of the index files listing
// them, to its own snapshot.json's retain-until; a retention is never shortened or weakened.
import { randomBytes } from "node:crypto";
import { s3StoreOptions } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { ObjectNotFoundError } from "../errors.js";
import { snapshotManifestKey } from "../snapshot/layout.js";
import { createS3ObjectStore, type ObjectLockMode } from "../stores/s3-object-store.js";
import { rawS3Client } from "../test-support.js";
import { loadBlobIndex } from "./index-loader.js";
import { indexFileKey, packKey } from "./layout.js";
import { openFormat2Repository } from "./repository.js";
import { clusterObjects, draftV2 } from "./test-support.js";

const env = inject("testenv");
const LOCKED = `kubedump-f2-lock-${randomBytes(3).toString("hex")}`;
const raw = rawS3Client(env);
const HOUR = 3_600_000;
const IDS = ["20261126T020000Z-0b0b0b0b", "20261126T030000Z-0b0b0b0b"] as const;

beforeAll(async () => {
  await raw.makeBucket(LOCKED, "us-east-1", { ObjectLocking: true });
});

const lockedStore = (prefix: string, mode: ObjectLockMode, retentionMs: number) =>
  createS3ObjectStore({ ...s3StoreOptions(env, LOCKED, prefix), objectLock: { mode, retentionMs } });

/** The mode and retain-until MinIO holds for `key` below `prefix`. */
async function retentionOf(prefix: string, key: string) {
  const info = await raw.getObjectRetention(LOCKED, `${prefix}${key}`);
  return { mode: info?.mode, until: info?.retainUntilDate ? new Date(info.retainUntilDate).getTime() : undefined };
}

describe.each(["GOVERNANCE", "COMPLIANCE"] as const)("format 2 in a %s-locked bucket", (mode) => {
  it("a snapshot locks the older packs it reuses, and their index files, until its own retain-until", async () => {
    const prefix = `reuse-${mode.toLowerCase()}/`;
    // The first backup's objects are locked for seconds only; the second asks for an hour.
    const brief = lockedStore(prefix, mode, 20_000);
    const first = await (await openFormat2Repository({ store: brief })).writeSnapshot(
      draftV2(IDS[0]),
      clusterObjects(200, 4),
    );
    const { listing } = await loadBlobIndex({ store: brief, keys: null });
    const oldPacks = [...listing.keys()];
    const oldIndex = first.indexes[0] ?? "";
    expect(oldPacks.length).toBeGreaterThan(0);
    const before = await retentionOf(prefix, packKey(oldPacks[0] ?? ""));
    expect(before.until).toBeLessThan(Date.now() + 30_000);

    const store = lockedStore(prefix, mode, HOUR);
    const second = await (await openFormat2Repository({ store })).writeSnapshot(
      draftV2(IDS[1]),
      clusterObjects(200, 4, new Set([3])),
    );
    expect(second.added.blobs).toBeLessThan(10); // the rest is reused from the first backup's packs
    const commit = await retentionOf(prefix, snapshotManifestKey(IDS[1]));
    expect(commit.mode).toBe(mode);
    expect(commit.until).toBeGreaterThan(Date.now() + HOUR - 60_000);
    const own = [...second.indexes.map(indexFileKey)];
    for (const key of [...oldPacks.map(packKey), indexFileKey(oldIndex), ...own])
      expect(await retentionOf(prefix, key), key).toEqual(commit);
    // The first snapshot's own commit marker keeps its short lock: only what the new one needs is extended.
    expect((await retentionOf(prefix, snapshotManifestKey(IDS[0]))).until).toBe(before.until);
  }, 60_000);
});

describe("extendRetention of the S3 store", () => {
  it("never shortens a retention and never weakens COMPLIANCE to GOVERNANCE", async () => {
    const prefix = "extend/";
    const compliance = lockedStore(prefix, "COMPLIANCE", 2 * HOUR);
    await compliance.put("kept", Buffer.from("x"));
    const held = await retentionOf(prefix, "kept");
    const governance = lockedStore(prefix, "GOVERNANCE", HOUR);
    expect((await governance.extendRetention("kept", new Date(Date.now() + HOUR)))?.getTime()).toBe(held.until);
    expect(await retentionOf(prefix, "kept")).toEqual(held);
    const later = new Date(Date.now() + 3 * HOUR);
    expect(await governance.extendRetention("kept", later)).toEqual(later);
    expect(await retentionOf(prefix, "kept")).toEqual({ mode: "COMPLIANCE", until: later.getTime() });
    await expect(governance.extendRetention("missing", later)).rejects.toThrow(ObjectNotFoundError);
    // A store that locks nothing extends nothing.
    const plain = createS3ObjectStore(s3StoreOptions(env, LOCKED, prefix));
    expect(plain.retentionFor(new Date())).toBeUndefined();
    expect(await plain.extendRetention("kept", new Date(Date.now() + 9 * HOUR))).toBeUndefined();
  });
});
