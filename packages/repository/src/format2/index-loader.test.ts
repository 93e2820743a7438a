// Index files are read INDEX_FILES_AT_ONCE at a time: the same index as one after another, the
// reads overlapping, and a missing or damaged file still refused naming its key, with no read left
// running. On local directories.
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { IntegrityError, ObjectNotFoundError } from "../errors.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import type { ObjectStore } from "../stores/object-store.js";
import { wrapStore } from "../test-support.js";
import { BlobIndex } from "./blob-index.js";
import { decodeIndexFile, encodeIndexFile, listedEntryBytes } from "./index-file.js";
import { addPacks, INDEX_FILES_AT_ONCE, loadBlobIndex, writeIndexFile } from "./index-loader.js";
import { indexFileKey } from "./layout.js";
import { ENTRY_BYTES } from "./pack-format.js";
import type { WrittenPack } from "./pack-writer.js";
import { testDirectory } from "./test-support.js";

const inTmp = testDirectory("index-loader");
let stores = 0;

const hex = (text: string) => createHash("sha256").update(text).digest("hex");
const FILES = 3 * INDEX_FILES_AT_ONCE + 1;

/** Pack `n` of two data blobs, as an index file lists it. */
function pack(n: number): WrittenPack {
  const entry = (b: number) => ({
    id: hex(`blob ${n} ${b}`),
    type: "data" as const,
    compression: 1 as const,
    offset: b * 100,
    length: 100,
    frameRawLength: 300,
    offsetInFrame: 0,
    rawLength: 300,
  });
  return { id: hex(`pack ${n}`), bytes: 200 + 64, entries: [entry(0), entry(1)] };
}

/** A store holding FILES index files of one pack each: the store and the files' ids, in key order. */
async function withIndexFiles(): Promise<{ store: ObjectStore; ids: string[] }> {
  const store = createLocalObjectStore({ root: inTmp(String(stores++)) });
  const ids: string[] = [];
  for (let n = 0; n < FILES; n++) {
    const written = await writeIndexFile({ store, keys: null }, [pack(n)]);
    if (written) ids.push(written.id);
  }
  return { store, ids: ids.sort() };
}

/** `inner` with index-file GETs that take 20 ms each (`slower` longer), counting how many are in flight at most. */
function slowIndex(inner: ObjectStore, slower: (key: string) => boolean = () => false) {
  const seen = { inFlight: 0, most: 0, gets: 0 };
  const store = wrapStore(inner, {
    async getBuffer(key, maxBytes) {
      seen.gets += 1;
      seen.most = Math.max(seen.most, ++seen.inFlight);
      try {
        await sleep(slower(key) ? 100 : 20);
        return await inner.getBuffer(key, maxBytes);
      } finally {
        seen.inFlight -= 1;
      }
    },
  });
  return { store, seen };
}

describe("loadBlobIndex", () => {
  it("reads INDEX_FILES_AT_ONCE files at once, every pack and blob placed as one after another would", async () => {
    const { store: inner, ids } = await withIndexFiles();
    const { store, seen } = slowIndex(inner);
    const { index, files, listing } = await loadBlobIndex({ store, keys: null });
    expect(seen.most).toBe(INDEX_FILES_AT_ONCE);
    expect(files).toEqual(ids);
    expect(index.packs().length).toBe(FILES);
    for (let n = 0; n < FILES; n++) {
      const { id, entries } = pack(n);
      expect(index.get(entries[1]?.id ?? "")).toMatchObject({ pack: id, offset: 100, type: "data" });
      expect(listing.get(id)).toHaveLength(1);
    }
  });

  it("adds an index file's entries from its bytes while no one asked for their objects, the same index either way", () => {
    const packs = [pack(1), { ...pack(2), entries: [...pack(2).entries, { ...pack(1).entries[0]!, offset: 200 }] }];
    const { data } = encodeIndexFile(null, packs);
    const decoded = decodeIndexFile(null, "index/x", data);
    expect(decoded.map(listedEntryBytes).map((b) => b?.length)).toEqual([2 * ENTRY_BYTES, 3 * ENTRY_BYTES]);
    const [fromBytes, fromObjects] = [new BlobIndex(), new BlobIndex()];
    addPacks(fromBytes, decoded);
    expect(decoded[1]!.entries).toEqual(packs[1]!.entries); // decoded now: its objects may change
    expect(listedEntryBytes(decoded[1]!)).toBeUndefined();
    expect(listedEntryBytes({ ...decoded[0]! })).toBeUndefined(); // a copy has only its entries
    addPacks(fromObjects, packs);
    expect(fromBytes.size).toBe(4); // pack 1's first blob once, where pack 1 holds it
    for (const { entries } of packs)
      for (const { id } of entries) expect(fromBytes.get(id)).toEqual(fromObjects.get(id));
  });

  it("refuses an index file entry of an unknown type or compression, naming the pack", () => {
    const { data } = encodeIndexFile(null, [pack(1)]);
    const plain = Buffer.from(data);
    plain[12 + 40 + ENTRY_BYTES + 1] = 2; // the second entry's compression
    expect(() => decodeIndexFile(null, "index/x", plain)).toThrow(
      new RegExp(`index/x: index file: pack ${pack(1).id}: entry 1 has an unknown type`),
    );
  });

  it("keeps the listing's order whichever read ends first", async () => {
    const { store: inner, ids } = await withIndexFiles();
    const { store } = slowIndex(inner, (key) => key === indexFileKey(ids[0] ?? ""));
    expect((await loadBlobIndex({ store, keys: null })).files).toEqual(ids);
  });

  it("refuses an index file that does not hash to its name, naming its key, and leaves no read running", async () => {
    const { store: inner, ids } = await withIndexFiles();
    const bad = ids[INDEX_FILES_AT_ONCE + 2] ?? "";
    await inner.put(indexFileKey(bad), Buffer.from("not an index file"));
    const { store, seen } = slowIndex(inner);
    const err = await loadBlobIndex({ store, keys: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toContain(indexFileKey(bad));
    expect(seen.inFlight).toBe(0);
  });

  it("refuses an index file listed and then gone (a prune merged it meanwhile), naming its key", async () => {
    const { store: inner, ids } = await withIndexFiles();
    const gone = ids[1] ?? "";
    const store = wrapStore(inner, {
      getBuffer: (key, maxBytes) =>
        key === indexFileKey(gone)
          ? Promise.reject(new ObjectNotFoundError(key))
          : sleep(10).then(() => inner.getBuffer(key, maxBytes)),
    });
    const err = await loadBlobIndex({ store, keys: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectNotFoundError);
    expect((err as Error).message).toContain(indexFileKey(gone));
  });
});
