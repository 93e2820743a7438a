// One suite, run against every ObjectStore: the local directory and S3 on the test environment's MinIO.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { IntegrityError, InvalidObjectKeyError, ObjectNotFoundError } from "../errors.js";
import { collect, failingBody, s3TestOptions } from "../test-support.js";
import { createLocalObjectStore } from "./local-object-store.js";
import type { ObjectEntry, ObjectStore } from "./object-store.js";
import { createS3ObjectStore } from "./s3-object-store.js";

const env = inject("testenv");
const MiB = 1024 * 1024;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-conformance-"));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const stores: [string, () => ObjectStore][] = [
  ["LocalObjectStore", () => createLocalObjectStore({ root: join(tmp, randomBytes(6).toString("hex")) })],
  ["S3ObjectStore", () => createS3ObjectStore(s3TestOptions(env, "kubedump-conformance", "store"))],
];

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

/** Deterministic pseudo-random bytes, so a round trip is checked byte for byte. */
function bytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed;
  for (let i = 0; i < n; i += 1) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe.each(stores)("%s conformance", (_name, create) => {
  let store: ObjectStore;
  const keys = async (prefix: string) => (await collect(store.list(prefix))).map((e) => e.key);

  beforeEach(() => {
    store = create();
  });

  it.each([
    ["a buffer", () => Buffer.from("hello")],
    ["a stream", () => Readable.from([Buffer.from("hel"), Buffer.from("lo")])],
  ])("puts %s and gets it back as a stream and as a buffer", async (_label, body) => {
    await store.put("a/b/c.txt", body());
    expect(await text(await store.get("a/b/c.txt"))).toBe("hello");
    expect((await store.getBuffer("a/b/c.txt")).toString()).toBe("hello");
    expect(await store.stat("a/b/c.txt")).toMatchObject({ size: 5, mtime: expect.any(Date) });
  });

  it("streams an object larger than several multipart parts and reads it back intact", async () => {
    const data = bytes(12 * MiB + 12345, 7);
    await store.put("big/object.bin", Readable.from([data.subarray(0, 3 * MiB), data.subarray(3 * MiB)]));
    expect((await store.stat("big/object.bin"))?.size).toBe(data.length);
    expect((await store.getBuffer("big/object.bin")).equals(data)).toBe(true);
  });

  it("puts an empty stream as an empty object", async () => {
    await store.put("empty", Readable.from([]));
    expect(await store.getBuffer("empty")).toEqual(Buffer.alloc(0));
  });

  it("overwrites an existing object", async () => {
    await store.put("k.txt", Buffer.from("old"));
    await store.put("k.txt", Buffer.from("newer"));
    expect((await store.getBuffer("k.txt")).toString()).toBe("newer");
  });

  it("puts a local file", async () => {
    const file = join(tmp, `source-${randomBytes(4).toString("hex")}.txt`);
    await writeFile(file, "from disk");
    await store.putFile("files/f.txt", file);
    expect((await store.getBuffer("files/f.txt")).toString()).toBe("from disk");
  });

  it.each([
    ["within one part", 17],
    ["after a multipart part", 6 * MiB],
  ])("never shows a half-written object, failing %s", async (_label, size) => {
    await expect(store.put("parts/00000.tar.gz", failingBody(size))).rejects.toThrow(/connection reset/);
    expect(await store.stat("parts/00000.tar.gz")).toBeUndefined();
    expect(await keys("")).toEqual([]);
  });

  it("keeps the old object when replacing it fails", async () => {
    await store.put("k.txt", Buffer.from("old"));
    await expect(store.put("k.txt", failingBody())).rejects.toThrow();
    expect((await store.getBuffer("k.txt")).toString()).toBe("old");
  });

  it("putIfAbsent writes once and then refuses, leaving the first object", async () => {
    expect(await store.putIfAbsent("repository.json", Buffer.from("first"))).toBe(true);
    expect(await store.putIfAbsent("repository.json", Buffer.from("second"))).toBe(false);
    expect((await store.getBuffer("repository.json")).toString()).toBe("first");
  });

  it("putIfAbsent lets exactly one of several concurrent writers win", async () => {
    const results = await Promise.all([1, 2, 3, 4].map((n) => store.putIfAbsent("race", Buffer.from(`writer ${n}`))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await store.getBuffer("race")).toString()).toBe(`writer ${results.indexOf(true) + 1}`);
  });

  it.each(["get", "getBuffer"] as const)("%s of a missing key throws ObjectNotFoundError naming it", async (method) => {
    const error = await store[method]("snapshots/x/snapshot.json").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ObjectNotFoundError);
    expect((error as ObjectNotFoundError).key).toBe("snapshots/x/snapshot.json");
    expect((error as Error).message).toContain('"snapshots/x/snapshot.json"');
  });

  it("getBuffer with maxBytes reads an object up to that size and refuses a larger one, naming it", async () => {
    await store.put("big/snapshot.json", bytes(3 * MiB, 7));
    expect((await store.getBuffer("big/snapshot.json", 3 * MiB)).length).toBe(3 * MiB);
    const error = await store.getBuffer("big/snapshot.json", MiB).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toBe(`big/snapshot.json: larger than ${MiB} bytes, more than such a file may be`);
  });

  it("getRange reads the bytes of a range and no others, up to the object's last byte", async () => {
    const data = bytes(6 * MiB + 5, 11);
    await store.put("data/ab/pack", data);
    const range = async (offset: number, length: number) => (await store.getRange?.("data/ab/pack", offset, length))!;
    expect((await range(0, 100)).equals(data.subarray(0, 100))).toBe(true);
    expect((await range(5 * MiB, MiB + 5)).equals(data.subarray(5 * MiB))).toBe(true);
    expect((await range(12345, 3 * MiB)).equals(data.subarray(12345, 12345 + 3 * MiB))).toBe(true);
    expect(await range(data.length, 0)).toEqual(Buffer.alloc(0));
  });

  it.each([
    ["ends past the object's end", 90, 20],
    ["starts at its end", 100, 1],
    ["starts past its end", 150, 10],
    ["is empty past its end", 101, 0],
  ])("getRange of a range that %s throws IntegrityError naming the key", async (_label, offset, length) => {
    await store.put("data/cd/pack", bytes(100, 3));
    const error = await store.getRange?.("data/cd/pack", offset, length).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).key).toBe("data/cd/pack");
    expect((error as Error).message).toMatch(new RegExp(`^data/cd/pack: ${length} bytes at offset ${offset} end past`));
  });

  it.each([
    [10, 5],
    [0, 0],
  ])("getRange of a missing key (at %i, %i bytes) throws ObjectNotFoundError naming it", async (offset, length) => {
    const error = await store.getRange?.("data/ef/missing", offset, length).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ObjectNotFoundError);
    expect((error as ObjectNotFoundError).key).toBe("data/ef/missing");
  });

  it.each([
    [-1, 5],
    [0, -5],
    [1.5, 2],
    [0, Number.POSITIVE_INFINITY],
  ])("getRange refuses offset %d and length %d, naming the key", async (offset, length) => {
    await store.put("data/ab/x", Buffer.from("0123456789"));
    await expect(store.getRange?.("data/ab/x", offset, length)).rejects.toThrow(
      new RangeError(`range of "data/ab/x": offset ${offset} and length ${length} must be non-negative integers`),
    );
  });

  it("stat of a missing key is undefined", async () => {
    expect(await store.stat("nope/nothing")).toBeUndefined();
  });

  it("lists recursively, sorted by key, with sizes and times", async () => {
    for (const key of ["s/b/2", "s/a-b", "s/a/b/c", "s/a/1", "t/x", "s/b/10"]) await store.put(key, Buffer.from(key));
    const entries: ObjectEntry[] = await collect(store.list("s/"));
    expect(entries.map((e) => e.key)).toEqual(["s/a-b", "s/a/1", "s/a/b/c", "s/b/10", "s/b/2"]);
    expect(entries.map((e) => e.size)).toEqual([5, 5, 7, 6, 5]);
    expect(entries.every((e) => e.mtime instanceof Date)).toBe(true);
  });

  it.each([
    ["", ["p/a1/x", "p/a2", "p/b", "q"]],
    ["p/", ["p/a1/x", "p/a2", "p/b"]],
    ["p/a", ["p/a1/x", "p/a2"]],
    ["p/a1/", ["p/a1/x"]],
    ["missing/", []],
  ])("lists prefix %j as a plain string prefix", async (prefix, expected) => {
    for (const key of ["p/a1/x", "p/a2", "p/b", "q"]) await store.put(key, Buffer.from("."));
    expect(await keys(prefix)).toEqual(expected);
  });

  it("deletes, a missing key included", async () => {
    await store.put("snapshots/x/parts/00000.tar.gz", Buffer.from("x"));
    await store.put("repository.json", Buffer.from("{}"));
    await store.delete("snapshots/x/parts/00000.tar.gz");
    await store.delete("snapshots/x/parts/00000.tar.gz");
    await store.delete("never/was");
    expect(await keys("")).toEqual(["repository.json"]);
  });

  it("removes an upload that never finished, and only once it is old enough", async () => {
    const body = new Readable({ read() {} });
    body.push(Buffer.alloc(6 * MiB, 2)); // past the first multipart part, then stalls
    const putting = store.put("snapshots/x/parts/00000.tar.gz", body);
    putting.catch(() => {});
    expect(await store.removeIncompleteUploads("snapshots/", new Date(0))).toBe(0);
    let removed = 0;
    for (let i = 0; i < 100 && removed === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      removed = await store.removeIncompleteUploads("snapshots/", new Date(Date.now() + 60_000));
    }
    expect(removed).toBe(1);
    body.destroy(new Error("the uploading process died"));
    await expect(putting).rejects.toThrow();
    expect(await keys("")).toEqual([]);
  });

  it.each(["", "/etc/passwd", "../outside", "a/../../b", "a//b", "./a", "a/./b", "a/", "a\0b", ".kubedump-tmp-x"])(
    "rejects key %j",
    async (key) => {
      await expect(store.put(key, Buffer.from("x"))).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.getBuffer(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.getRange?.(key, 0, 1)).rejects.toBeInstanceOf(InvalidObjectKeyError);
    },
  );
});
