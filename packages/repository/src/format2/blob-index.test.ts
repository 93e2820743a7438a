import { createHash } from "node:crypto";
import { readdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IntegrityError } from "../errors.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import { wrapStore } from "../test-support.js";
import { BlobIndex } from "./blob-index.js";
import { decodeIndexFile, encodeIndexFile } from "./index-file.js";
import { loadBlobIndex, writeIndexFile } from "./index-loader.js";
import { indexFileKey } from "./layout.js";
import { encodeEntries, type PackEntry } from "./pack-format.js";
import type { WrittenPack } from "./pack-writer.js";
import { TEST_KEYS, testDirectory } from "./test-support.js";

const inTmp = testDirectory("index");

const hex = (s: string) => createHash("sha256").update(s).digest("hex");
function entry(i: number): PackEntry {
  return {
    id: hex(`blob ${i}`),
    type: i % 3 ? "data" : "tree",
    compression: (i % 2) as 0 | 1,
    offset: i * 10,
    length: 10,
    frameRawLength: 100 + i,
    offsetInFrame: i % 7,
    rawLength: 20 + i,
  };
}
function pack(name: string, from: number, count: number): WrittenPack {
  return { id: hex(name), bytes: 1000 + count, entries: Array.from({ length: count }, (_, i) => entry(from + i)) };
}

describe("BlobIndex", () => {
  it("finds every one of 5,000 blobs after growing, and no other id", () => {
    const index = new BlobIndex();
    for (let i = 0; i < 5000; i++) expect(index.add(hex(`pack ${i % 7}`), entry(i))).toBe(true);
    expect(index.size).toBe(5000);
    expect(index.packs()).toHaveLength(7);
    for (const i of [0, 1, 2, 1023, 1024, 4999])
      expect(index.get(entry(i).id)).toEqual({ ...entry(i), pack: hex(`pack ${i % 7}`) });
    expect(index.has(hex("blob 5000"))).toBe(false);
    expect(index.get("zz")).toBeUndefined();
  });

  it("keeps the first location of a blob added twice", () => {
    const index = new BlobIndex();
    index.add(hex("a"), entry(1));
    expect(index.add(hex("b"), { ...entry(1), offset: 99 })).toBe(false);
    expect(index.get(entry(1).id)).toMatchObject({ pack: hex("a"), offset: 10 });
  });

  it("refuses a blob whose id is not 64 hex digits, naming it, and keeps what it holds", () => {
    const index = new BlobIndex();
    index.add(hex("a"), entry(1));
    expect(() => index.add(hex("a"), { ...entry(2), id: "abc" })).toThrow(/blob id "abc": not 64 hex digits/);
    expect(() => index.add(hex("a"), { ...entry(2), id: `${entry(2).id.slice(0, 63)}g` })).toThrow(/not 64 hex digits/);
    expect(index.size).toBe(1);
    expect(index.has(entry(2).id)).toBe(false);
    expect(index.get(entry(1).id)).toMatchObject({ pack: hex("a"), offset: 10 });
  });

  it("finds blobs added from a pack's entry bytes beside ones added one by one", () => {
    const index = new BlobIndex();
    for (let i = 0; i < 10; i++) index.add(hex("a"), entry(i));
    index.addEntries(hex("b"), encodeEntries(Array.from({ length: 3000 }, (_, i) => entry(5 + i))));
    expect(index.size).toBe(3005);
    expect(index.get(entry(5).id)).toMatchObject({ pack: hex("a") }); // the first location stays
    expect(index.get(entry(3004).id)).toEqual({ ...entry(3004), pack: hex("b") });
    expect(index.packs()).toEqual([hex("a"), hex("b")]);
  });
});

describe.each([
  ["unencrypted", null],
  ["encrypted", TEST_KEYS],
])("format 2 index files (%s)", (_, keys) => {
  it("round-trip the packs they list, and are named by their sha256", () => {
    const packs = [pack("p1", 0, 3), pack("p2", 3, 0), pack("p3", 3, 2)];
    const { id, data } = encodeIndexFile(keys, packs);
    expect(createHash("sha256").update(data).digest("hex")).toBe(id);
    expect(decodeIndexFile(keys, "index/x", data)).toEqual(packs);
    expect(data.includes(Buffer.from(entry(0).id, "hex"))).toBe(keys === null);
  });

  it("refuse a truncated file or trailing bytes, naming the file", () => {
    const { data } = encodeIndexFile(null, [pack("p1", 0, 3)]);
    expect(() => decodeIndexFile(null, "index/x", data.subarray(0, data.length - 5))).toThrow(
      /index\/x: .*more than the file holds/,
    );
    expect(() => decodeIndexFile(null, "index/x", Buffer.concat([data, Buffer.alloc(1)]))).toThrow(
      /after the last pack/,
    );
    if (keys) expect(() => decodeIndexFile(keys, "index/x", data)).toThrow(/authentication failed/);
  });

  it("load from every index file into one BlobIndex, reading each file once with a cache directory", async () => {
    const gets: string[] = [];
    const inner = createLocalObjectStore({ root: inTmp(`store-${keys ? "enc" : "plain"}`) });
    const store = wrapStore(inner, {
      getBuffer: (key, max) => {
        gets.push(key);
        return inner.getBuffer(key, max);
      },
    });
    const first = await writeIndexFile({ store, keys }, [pack("p1", 0, 3)]);
    const second = await writeIndexFile({ store, keys }, [pack("p2", 3, 4)]);
    const cacheDir = inTmp(`cache-${keys ? "enc" : "plain"}`);
    const loaded = await loadBlobIndex({ store, keys, cacheDir });
    expect(loaded.index.size).toBe(7);
    expect(loaded.files.sort()).toEqual([first?.id, second?.id].sort());
    expect(loaded.index.packBytes(hex("p2"))).toBe(1004);
    expect(gets).toHaveLength(2);
    await writeFile(join(cacheDir, first?.id ?? ""), "damaged");
    const again = await loadBlobIndex({ store, keys, cacheDir });
    expect(again.index.size).toBe(7);
    expect(gets.slice(2)).toEqual([indexFileKey(first?.id ?? "")]);
    expect((await readdir(cacheDir)).sort()).toEqual([first?.id, second?.id].sort());
    // An index file a prune removed leaves the cache with the next load, as does a dead load's temporary file.
    await store.delete(indexFileKey(first?.id ?? ""));
    const leftover = join(cacheDir, `.${second?.id}.dead.tmp`);
    await writeFile(leftover, "half");
    await utimes(leftover, new Date(0), new Date(0));
    expect((await loadBlobIndex({ store, keys, cacheDir })).index.size).toBe(4);
    expect(await readdir(cacheDir)).toEqual([second?.id]);
  });

  it("fail with IntegrityError naming an index file whose bytes do not hash to its id", async () => {
    const store = createLocalObjectStore({ root: inTmp(`forged-${keys ? "enc" : "plain"}`) });
    await store.put(indexFileKey(hex("not this")), encodeIndexFile(keys, [pack("p1", 0, 1)]).data);
    await expect(loadBlobIndex({ store, keys })).rejects.toThrow(IntegrityError);
  });
});

describe("BlobIndex.addEntries", () => {
  it("adds a pack header's encoded entries as add does each, the first location of an id winning", () => {
    const entries = Array.from({ length: 3000 }, (_, i) => entry(i));
    const [one, other] = [new BlobIndex(), new BlobIndex()];
    one.add(hex("earlier"), entry(5));
    other.add(hex("earlier"), entry(5));
    for (const e of entries) one.add(hex("pack"), e);
    other.addEntries(hex("pack"), encodeEntries(entries));
    expect(other.size).toBe(3000);
    for (const e of entries) expect(other.get(e.id)).toEqual(one.get(e.id));
    expect(other.get(entry(5).id)?.pack).toBe(hex("earlier"));
    expect(other.has(hex("no such blob"))).toBe(false);
  });
});
