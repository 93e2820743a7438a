// S3 Object Lock on the test MinIO (its single-drive mode supports buckets made with object locking).
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { s3RepositoryBackend } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BackendConfigError, ObjectLockedError } from "../errors.js";
import { createObjectStoreFromBackend } from "../open-from-backend.js";
import { openRepository } from "../snapshot/repository.js";
import type { SnapshotSource } from "../snapshot/types.js";
import { collect, rawS3Client, s3TestOptions, stageSnapshot, testObjects } from "../test-support.js";
import { objectLockOptions } from "./s3-object-lock.js";
import { createS3ObjectStore, type S3ObjectStore } from "./s3-object-store.js";

const env = inject("testenv");
const LOCKED = `kubedump-lock-${randomBytes(3).toString("hex")}`;
const PLAIN = `kubedump-nolock-${randomBytes(3).toString("hex")}`;
const RETENTION_MS = 5000;
const raw = rawS3Client(env);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-object-lock-"));
  await raw.makeBucket(LOCKED, "us-east-1", { ObjectLocking: true });
  await raw.makeBucket(PLAIN, "us-east-1");
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function lockedStore(prefix: string): S3ObjectStore {
  const objectLock = { mode: "GOVERNANCE" as const, retentionMs: RETENTION_MS };
  return createS3ObjectStore({ ...s3TestOptions(env, LOCKED, prefix), objectLock });
}

/** Commits a snapshot taken on 2026-11-<day> by one BackupConfiguration into the store's repository. */
async function commit(store: S3ObjectStore, day: string): Promise<string> {
  const id = `202611${day}T020000Z-00000000`;
  const input = await stageSnapshot(join(tmp, `${store.prefix}${id}`), id, testObjects(3));
  const source: SnapshotSource = {
    kind: "BackupSession",
    namespace: "demo",
    name: day,
    invoker: "BackupConfiguration/nightly",
  };
  input.manifest = { ...input.manifest, time: `2026-11-${day}T02:00:00.000Z`, source };
  await (await openRepository({ format: 1, store })).commitSnapshot(input);
  return id;
}

async function rawKeys(prefix: string): Promise<string[]> {
  const items = await collect(raw.listObjects(LOCKED, prefix, true, { IncludeVersion: true }));
  return items.map((item) => (item as { name: string }).name).sort();
}

describe("a Repository with objectLock on MinIO", () => {
  it("writes every object locked in the mode asked, until the retention from its write", async () => {
    const store = lockedStore("write");
    const before = Date.now();
    const id = await commit(store, "20");
    await store.put("big", Readable.from([randomBytes(6 * 1024 * 1024)])); // a multipart upload
    const keys = (await collect(store.list(""))).map((e) => e.key);
    expect(keys).toEqual(expect.arrayContaining(["repository.json", `snapshots/${id}/snapshot.json`, "big"]));
    expect(keys.filter((k) => k.startsWith(`snapshots/${id}/`)).length).toBeGreaterThan(2); // parts and index
    for (const key of keys) {
      const retention = await raw.getObjectRetention(LOCKED, store.prefix + key);
      expect(retention?.mode, key).toBe("GOVERNANCE");
      const until = new Date(retention?.retainUntilDate ?? 0).getTime();
      expect(until, key).toBeGreaterThanOrEqual(before + RETENTION_MS - 1000);
      expect(until, key).toBeLessThanOrEqual(Date.now() + RETENTION_MS + 1000);
    }
  });

  it("refuses to delete a locked object, through the store and directly", async () => {
    const store = lockedStore("delete");
    await store.put("a", Buffer.from("locked"));
    const error = await store.delete("a").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ObjectLockedError);
    expect((error as ObjectLockedError).message).toMatch(/object "a" is locked by S3 Object Lock until \d{4}-/);
    const { versionId } = await raw.statObject(LOCKED, `${store.prefix}a`);
    await expect(raw.removeObject(LOCKED, `${store.prefix}a`, { versionId: versionId ?? "" })).rejects.toThrow(/WORM/);
    expect((await store.getBuffer("a")).toString()).toBe("locked");
  });

  it("writes format 2's repository locks (locks/) unlocked, so their holder can remove them", async () => {
    const store = lockedStore("locks");
    await store.put("locks/exclusive-1", Buffer.from("{}"));
    expect(await store.retainedUntil("locks/exclusive-1")).toBeUndefined();
    await store.delete("locks/exclusive-1");
    expect(await rawKeys(`${store.prefix}locks/`)).toEqual([]);
  });

  it("forget leaves a locked snapshot whole and says until when; once the lock ends it removes it", async () => {
    const store = lockedStore("forget");
    const old = await commit(store, "20");
    const newest = await commit(store, "21");
    const oldKeys = await rawKeys(`${store.prefix}snapshots/${old}/`);
    const repository = await openRepository({ format: 1, store });

    const first = await repository.forget({ keepLast: 1 });

    expect(first.removed).toEqual([]);
    expect(first.locked).toEqual([expect.objectContaining({ id: old, retainUntil: expect.any(String) })]);
    const until = new Date(first.locked[0]?.retainUntil ?? 0).getTime();
    expect(until).toBeGreaterThan(Date.now());
    expect(first.deletedKeys).toBe(0);
    expect(await rawKeys(`${store.prefix}snapshots/${old}/`)).toEqual(oldKeys);
    expect((await repository.listSnapshots()).map((s) => s.id)).toEqual([old, newest]);

    await sleep(until - Date.now() + 500);
    const second = await repository.forget({ keepLast: 1 });

    expect(second.removed.map((r) => r.id)).toEqual([old]);
    expect(second.locked).toEqual([]);
    expect(second.deletedKeys).toBe(oldKeys.length);
    expect(await rawKeys(`${store.prefix}snapshots/${old}/`)).toEqual([]); // no version hidden behind a marker
    expect((await repository.listSnapshots()).map((s) => s.id)).toEqual([newest]);
  }, 30_000);
});

describe("objectLock that cannot be honoured", () => {
  const label = "Repository demo/locked";
  const objectLock = { mode: "GOVERNANCE" as const, retention: "720h" };

  it("fails on a bucket without Object Lock, naming the field and the bucket", async () => {
    const { backend, secret } = s3RepositoryBackend(env, PLAIN, "nolock");
    const store = createObjectStoreFromBackend({ backend, secret, label, objectLock });
    const error = await store.put("repository.json", Buffer.from("{}")).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BackendConfigError);
    expect((error as Error).message).toContain(`spec.objectLock of ${label} asks for object retention`);
    expect((error as Error).message).toContain(`bucket "${PLAIN}"`);
    expect(await collect(raw.listObjects(PLAIN, "nolock/", true))).toEqual([]);
  });

  it.each([
    ["a local backend", { path: "/backups" }, objectLock, /spec\.objectLock of .*: a local backend cannot/],
    ["a retention of 0s", undefined, { ...objectLock, retention: "0s" }, /spec\.objectLock of .*\.retention "0s"/],
    ["a retention in days", undefined, { ...objectLock, retention: "30d" }, /\.retention "30d": must be a duration/],
    ["an unknown mode", undefined, { ...objectLock, mode: "LEGAL" as "GOVERNANCE" }, /\.mode "LEGAL": must be/],
  ])("refuses %s", (_name, local, lock, message) => {
    const { backend, secret } = s3RepositoryBackend(env, PLAIN, "bad");
    const spec = local ? { local } : backend;
    expect(() => createObjectStoreFromBackend({ backend: spec, secret, label, objectLock: lock })).toThrow(message);
  });
});

describe("objectLockOptions", () => {
  it.each([
    ["720h", 720 * 3_600_000],
    ["1h30m", 90 * 60_000],
    ["1.5s", 1500],
    ["1s500ms", 1500],
    ["2s250us", 2000.25],
    ["1s1000000ns", 1001],
    ["1s500µs", 1000.5],
  ])("takes %s, as the CRD's pattern does (every unit of a Go duration)", (retention, ms) => {
    expect(objectLockOptions({ mode: "COMPLIANCE", retention }, "spec.objectLock").retentionMs).toBeCloseTo(ms, 6);
  });

  it.each(["999ms999us", "999999999ns", "30d", "1 h", "-1h", ""])("refuses %j, naming the field", (retention) => {
    expect(() => objectLockOptions({ mode: "GOVERNANCE", retention }, "spec.objectLock of Repository a/b")).toThrow(
      `spec.objectLock of Repository a/b.retention "${retention}": must be a duration of at least 1s, e.g. 720h`,
    );
  });
});
