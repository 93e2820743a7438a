import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidObjectKeyError, ObjectNotFoundError } from "./errors.js";
import { createLocalObjectStore, type LocalObjectStore } from "./local-object-store.js";
import type { ObjectEntry } from "./object-store.js";

let root: string;
let store: LocalObjectStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "kubedump-store-test-"));
  store = createLocalObjectStore({ root });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function keys(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of store.list(prefix)) out.push(entry.key);
  return out;
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

/** A stream that yields some bytes, then fails: a half-written upload. */
function failingBody(): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.from("half of an object");
      throw new Error("connection reset");
    })(),
  );
}

describe("LocalObjectStore", () => {
  it.each([
    ["a buffer", () => Buffer.from("hello")],
    ["a stream", () => Readable.from([Buffer.from("hel"), Buffer.from("lo")])],
  ])("puts %s and gets it back as a stream and as a buffer", async (_label, body) => {
    await store.put("a/b/c.txt", body());
    expect(await text(await store.get("a/b/c.txt"))).toBe("hello");
    expect((await store.getBuffer("a/b/c.txt")).toString()).toBe("hello");
    expect(await store.stat("a/b/c.txt")).toMatchObject({ size: 5 });
  });

  it("overwrites an existing object", async () => {
    await store.put("k.txt", Buffer.from("old"));
    await store.put("k.txt", Buffer.from("newer"));
    expect((await store.getBuffer("k.txt")).toString()).toBe("newer");
  });

  it("puts a local file", async () => {
    const file = join(root, "source.txt");
    await writeFile(file, "from disk");
    await store.putFile("files/f.txt", file);
    expect((await store.getBuffer("files/f.txt")).toString()).toBe("from disk");
  });

  it("never shows a half-written object under its key", async () => {
    await expect(store.put("parts/00000.tar.gz", failingBody())).rejects.toThrow(/connection reset/);
    expect(await store.stat("parts/00000.tar.gz")).toBeUndefined();
    expect(await readdir(join(root, "parts"))).toEqual([]); // no temp file left behind
  });

  it("keeps the old object when replacing it fails", async () => {
    await store.put("k.txt", Buffer.from("old"));
    await expect(store.put("k.txt", failingBody())).rejects.toThrow();
    expect((await store.getBuffer("k.txt")).toString()).toBe("old");
  });

  it.each(["get", "getBuffer"] as const)("%s of a missing key throws ObjectNotFoundError naming it", async (method) => {
    const error = await store[method]("snapshots/x/snapshot.json").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ObjectNotFoundError);
    expect((error as ObjectNotFoundError).key).toBe("snapshots/x/snapshot.json");
    expect((error as Error).message).toContain('"snapshots/x/snapshot.json"');
  });

  it("treats a directory as a missing object", async () => {
    await store.put("dir/file.txt", Buffer.from("x"));
    await expect(store.getBuffer("dir")).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.get("dir")).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await store.stat("dir")).toBeUndefined();
  });

  it("stat of a missing key is undefined", async () => {
    expect(await store.stat("nope/nothing")).toBeUndefined();
  });

  it("lists recursively, sorted by key, with sizes and times", async () => {
    for (const key of ["s/b/2", "s/a-b", "s/a/b/c", "s/a/1", "t/x", "s/b/10"]) await store.put(key, Buffer.from(key));
    const entries: ObjectEntry[] = [];
    for await (const entry of store.list("s/")) entries.push(entry);
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

  it("deletes, a missing key included, and prunes the emptied directories", async () => {
    await store.put("snapshots/x/parts/00000.tar.gz", Buffer.from("x"));
    await store.put("repository.json", Buffer.from("{}"));
    await store.delete("snapshots/x/parts/00000.tar.gz");
    await store.delete("snapshots/x/parts/00000.tar.gz");
    await store.delete("never/was");
    expect(await keys("")).toEqual(["repository.json"]);
    expect(await readdir(root)).toEqual(["repository.json"]);
  });

  it.each(["", "/etc/passwd", "../outside", "a/../../b", "a//b", "./a", "a/./b", "a/", "a\0b", ".kubedump-tmp-x"])(
    "rejects key %j",
    async (key) => {
      await expect(store.put(key, Buffer.from("x"))).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.getBuffer(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
    },
  );

  it.each(["../", "/abs/", "a/../"])("rejects list prefix %j", async (prefix) => {
    await expect(keys(prefix)).rejects.toBeInstanceOf(InvalidObjectKeyError);
  });
});
