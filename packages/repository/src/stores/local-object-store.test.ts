import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidObjectKeyError, ObjectNotFoundError } from "../errors.js";
import { collect, failingBody } from "../test-support.js";
import { createLocalObjectStore, type LocalObjectStore } from "./local-object-store.js";

let root: string;
let store: LocalObjectStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "kubedump-store-test-"));
  store = createLocalObjectStore({ root });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const keys = async (prefix: string) => (await collect(store.list(prefix))).map((e) => e.key);

// What every store does is in object-store-conformance.test.ts; this is what only a directory shows.
describe("LocalObjectStore", () => {
  it("leaves no temporary file behind when an upload fails", async () => {
    await expect(store.put("parts/00000.tar.gz", failingBody())).rejects.toThrow(/connection reset/);
    expect(await readdir(join(root, "parts"))).toEqual([]);
  });

  it("adopts a file on the same filesystem as a hard link: no copy, and it outlives the original", async () => {
    const file = join(root, "scratch.tar.gz");
    await writeFile(file, "part bytes");
    expect(await store.adoptFile("snapshots/s/parts/00000.tar.gz", file)).toBe(true);
    const [original, stored] = await Promise.all([stat(file), stat(join(root, "snapshots/s/parts/00000.tar.gz"))]);
    expect(stored.ino).toBe(original.ino);
    await rm(file);
    expect((await store.getBuffer("snapshots/s/parts/00000.tar.gz")).toString()).toBe("part bytes");
    expect(await readdir(join(root, "snapshots/s/parts"))).toEqual(["00000.tar.gz"]); // no temporary file left
  });

  // /dev/shm is a tmpfs: another filesystem than the store's, where link(2) fails with EXDEV.
  it.runIf(existsSync("/dev/shm"))("declines a file on another filesystem and writes nothing", async () => {
    const elsewhere = await mkdtemp("/dev/shm/kubedump-adopt-");
    try {
      if ((await stat(elsewhere)).dev === (await stat(root)).dev)
        throw new Error("/dev/shm is on the store's filesystem here");
      const file = join(elsewhere, "scratch.tar.gz");
      await writeFile(file, "part bytes");
      expect(await store.adoptFile("snapshots/s/parts/00000.tar.gz", file)).toBe(false);
      expect(await keys("")).toEqual([]);
      expect(await readdir(join(root, "snapshots/s/parts"))).toEqual([]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it("fails adopting a missing file, naming it", async () => {
    await expect(store.adoptFile("k", join(root, "no-such-file"))).rejects.toThrow(/no-such-file/);
  });

  it("treats a directory as a missing object", async () => {
    await store.put("dir/file.txt", Buffer.from("x"));
    await expect(store.getBuffer("dir")).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.get("dir")).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await store.stat("dir")).toBeUndefined();
  });

  it("does not list in-flight temporary files", async () => {
    const slow = new Readable({ read() {} });
    slow.push("partial");
    const putting = store.put("s/slow", slow);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await keys("s/")).toEqual([]);
    slow.push(null);
    await putting;
    expect(await keys("s/")).toEqual(["s/slow"]);
  });

  it("prunes the directories a delete emptied, up to the root", async () => {
    await store.put("snapshots/x/parts/00000.tar.gz", Buffer.from("x"));
    await store.put("snapshots/y.json", Buffer.from("{}"));
    await store.delete("snapshots/x/parts/00000.tar.gz");
    expect(await readdir(join(root, "snapshots"))).toEqual(["y.json"]);
    await store.delete("snapshots/y.json");
    expect(await readdir(root)).toEqual([]);
  });

  it("removes temporary files a dead process left, once they are old enough", async () => {
    await store.put("snapshots/x/parts/00000.tar.gz", Buffer.from("done"));
    const temp = join(root, "snapshots/x/parts/.kubedump-tmp-0123456789ab-00001.tar.gz");
    await writeFile(temp, "half");
    const old = new Date(Date.now() - 2 * 3600_000);
    await utimes(temp, old, old);

    expect(await store.removeIncompleteUploads("snapshots/", new Date(old.getTime() - 1000))).toBe(0);
    expect(await store.removeIncompleteUploads("other/", new Date())).toBe(0);
    expect(await store.removeIncompleteUploads("snapshots/x/parts/0000", new Date())).toBe(1);
    expect(await readdir(join(root, "snapshots/x/parts"))).toEqual(["00000.tar.gz"]);
  });

  it.each(["../", "/abs/", "a/../"])("rejects list prefix %j", async (prefix) => {
    await expect(keys(prefix)).rejects.toBeInstanceOf(InvalidObjectKeyError);
  });
});
