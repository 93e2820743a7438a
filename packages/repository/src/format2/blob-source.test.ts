// BlobSource's two ways of reading a pack, on MinIO and on a local directory: whole, when a
// reader wants most of it, and by frames (ranged reads) when it wants a few of its blobs; the
// same plaintext either way, every frame read alone still checked, and an index entry that places
// a frame outside its pack refused before anything is read.
import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { IntegrityError } from "../errors.js";
import type { ObjectStore } from "../stores/object-store.js";
import { wrapStore } from "../test-support.js";
import { BlobIndex, type BlobLocation } from "./blob-index.js";
import { BlobSource, FRAME_READS_PER_PACK, RANGE_REQUEST_BYTES } from "./blob-source.js";
import { decodeSlice, sliceRequest } from "./frame-thread.js";
import { addPacks, loadBlobIndex } from "./index-loader.js";
import type { Format2Keys } from "./keys.js";
import { packKey } from "./layout.js";
import { MAX_PACK_BYTES } from "./pack-format.js";
import { readPack } from "./pack-reader.js";
import { PackWriter, type WrittenPack } from "./pack-writer.js";
import { writeSnapshotV2 } from "./snapshot-writer.js";
import { deploymentYaml, draftV2, inputObject, storeKeyCases, testStores } from "./test-support.js";
import { walkTree } from "./tree-walker.js";

const env = inject("testenv");
const { stores } = testStores(env, "kubedump-f2-ranged", "ranged");
const CASES = storeKeyCases(stores);

/** 2,000 blobs of 4,200 bytes, mostly random: two a frame (of 8 KiB plaintext), about 6 KB stored. */
const blobs = Array.from({ length: 2000 }, (_, i) => {
  const yaml = deploymentYaml(`team-${i % 7}`, `web-${i}`, i);
  return Buffer.from(
    `${yaml}#${randomBytes(3200)
      .toString("base64")
      .slice(0, 4200 - yaml.length - 2)}\n`,
  );
});

/** What `read` rejects with (undefined when it resolves). */
async function rejection(read: () => Promise<unknown>): Promise<unknown> {
  return read().then(
    () => undefined,
    (err: unknown) => err,
  );
}

/** `inner` counting the bytes read from packs, whole (getBuffer) and by ranges (getRange). */
function counted(inner: ObjectStore) {
  const reads = { whole: 0, ranges: 0, rangeBytes: 0 };
  const store = wrapStore(inner, {
    async getBuffer(key, maxBytes) {
      if (key.startsWith("data/")) reads.whole += 1;
      return inner.getBuffer(key, maxBytes);
    },
    async getRange(key, offset, length) {
      reads.ranges += 1;
      reads.rangeBytes += length;
      return (inner.getRange as NonNullable<ObjectStore["getRange"]>)(key, offset, length);
    },
  });
  return { store, reads };
}

/** Writes the first `count` of `blobs` into one pack; the index as an index file would give it (pack sizes included). */
async function onePack(inner: ObjectStore, keys: Format2Keys | null, count = blobs.length) {
  const writer = new PackWriter({ store: inner, keys, index: new BlobIndex(), frameBytes: 8 * 1024 });
  const ids: string[] = [];
  for (const blob of blobs.slice(0, count)) ids.push(await writer.add("data", blob));
  const { packs } = await writer.finish();
  expect(packs).toHaveLength(1);
  const index = new BlobIndex();
  addPacks(index, packs);
  const pack = packs[0]!;
  return { ids, index, pack, key: packKey(pack.id) };
}

describe.each(CASES)("BlobSource on %s (%s)", (_store, _keys, create, keys) => {
  it("reads a few blobs by their frames and most of them with the whole pack, the same plaintext either way", async () => {
    const inner = create();
    const { ids, index, pack } = await onePack(inner, keys);
    const { store, reads } = counted(inner);
    const few = [3, 4, 1000, 1999, 1001];
    const got = new Map<string, Buffer>();
    await new BlobSource({ store, keys, index }).eachBlob(
      "test",
      few.map((i) => ids[i]!),
      "data",
      (id, data) => {
        got.set(id, data);
      },
    );
    expect([...got.keys()]).toEqual([3, 4, 1000, 1001, 1999].map((i) => ids[i])); // offset order
    for (const i of few) expect(got.get(ids[i]!)?.equals(blobs[i]!)).toBe(true);
    expect(reads).toMatchObject({ whole: 0, ranges: 3 }); // 3 and 4, 1000 and 1001 share a range
    expect(reads.rangeBytes).toBeLessThan(pack.bytes / 10);

    const all = new Map<string, Buffer>();
    await new BlobSource({ store, keys, index }).eachBlob("test", ids, "data", (id, data) => all.set(id, data));
    expect(reads).toMatchObject({ whole: 1, ranges: 3 });
    for (const [i, id] of ids.entries()) expect(all.get(id)?.equals(blobs[i]!)).toBe(true);
  });

  it.each([
    ["the frames of 40% of the pack's blobs, in one range", 800, 1, 0],
    ["the frames of 55% of the pack's blobs, more than half its bytes", 1100, 0, 1],
  ])("reads %s", async (_what, count, ranges, whole) => {
    const inner = create();
    const { ids, index } = await onePack(inner, keys);
    const { store, reads } = counted(inner);
    const got: Buffer[] = [];
    await new BlobSource({ store, keys, index }).eachBlob("test", ids.slice(0, count), "data", (_id, data) => {
      got.push(data);
    });
    expect(got).toEqual(blobs.slice(0, count));
    expect(reads).toMatchObject({ ranges, whole });
  });

  it("reads spread frames in ranges, and the pack whole when so many ranges would cost half of it", async () => {
    const inner = create();
    const { ids, index, pack } = await onePack(inner, keys);
    const { store, reads } = counted(inner);
    // Every 55th frame (two blobs a frame): over RANGE_REQUEST_BYTES apart, each a range.
    const spread = (n: number) => Array.from({ length: n }, (_, k) => ids[110 * k]!);
    const cost = (n: number) => n * (RANGE_REQUEST_BYTES + index.get(ids[0]!)!.length);
    expect([cost(8) < pack.bytes / 2, cost(16) > pack.bytes / 2]).toEqual([true, true]);
    await new BlobSource({ store, keys, index }).eachBlob("test", spread(8), "data", () => {});
    expect(reads).toMatchObject({ ranges: 8, whole: 0 });
    const got = new Map<string, Buffer>();
    await new BlobSource({ store, keys, index }).eachBlob("test", spread(16), "data", (id, data) => {
      got.set(id, data);
    });
    expect(reads).toMatchObject({ ranges: 8, whole: 1 });
    expect(got.get(ids[110 * 15]!)).toEqual(blobs[110 * 15]);
  });

  it("keeps the packs it read whole up to keptPackBytes, the last read kept the longest, the last one always", async () => {
    const inner = create();
    const writer = new PackWriter({
      store: inner,
      keys,
      index: new BlobIndex(),
      frameBytes: 8 * 1024,
      targetBytes: 2 ** 20,
    });
    for (const blob of blobs.slice(0, 1500)) await writer.add("data", blob);
    const { packs } = await writer.finish();
    expect(packs.length).toBeGreaterThanOrEqual(3);
    const index = new BlobIndex();
    addPacks(index, packs);
    const [a, b, c] = packs as [WrittenPack, WrittenPack, WrittenPack];
    const { store, reads } = counted(inner);
    const twoFit = Math.max(a.bytes + b.bytes, b.bytes + c.bytes, a.bytes + c.bytes); // any two, not three
    const source = new BlobSource({ store, keys, index, keptPackBytes: twoFit });
    const wholeGets: number[] = [];
    for (const pack of [a, b, c, b, a, b, c]) {
      await source.pack(pack.id);
      wholeGets.push(reads.whole);
    }
    // c evicts a; b read again is kept the longest, so a evicts c.
    expect(wholeGets).toEqual([1, 2, 3, 3, 4, 4, 5]);
    const tiny = new BlobSource({ store, keys, index, keptPackBytes: 1 });
    for (const pack of [a, a, b, a]) await tiny.pack(pack.id);
    expect(reads.whole).toBe(8);
  });

  it("reads a blob alone by its frame, then its pack whole once it has read several of its frames", async () => {
    const inner = create();
    const { ids, index } = await onePack(inner, keys);
    const { store, reads } = counted(inner);
    const source = new BlobSource({ store, keys, index });
    expect((await source.blob("test", ids[10]!, "data")).equals(blobs[10]!)).toBe(true);
    expect((await source.blob("test", ids[11]!, "data")).equals(blobs[11]!)).toBe(true); // its frame kept
    expect(reads).toMatchObject({ whole: 0, ranges: 1 });
    for (let n = 1; n <= FRAME_READS_PER_PACK; n++) {
      const i = 12 + n * 12; // each in another frame
      expect((await source.blob("test", ids[i]!, "data")).equals(blobs[i]!)).toBe(true);
    }
    expect(reads).toMatchObject({ whole: 1, ranges: FRAME_READS_PER_PACK });
  });

  it("refuses a frame read alone whose stored bytes changed, naming the pack", async () => {
    const inner = create();
    const { ids, index, key } = await onePack(inner, keys);
    const location = index.get(ids[150]!)!;
    const data = await inner.getBuffer(key);
    data[location.offset + Math.floor(location.length / 2)]! ^= 0x40;
    await inner.put(key, data);
    const blob = rejection(() => new BlobSource({ store: inner, keys, index }).blob("test", ids[150]!, "data"));
    const each = rejection(() =>
      new BlobSource({ store: inner, keys, index }).eachBlob("test", [ids[150]!], "data", () => {}),
    );
    for (const thrown of [await blob, await each]) {
      expect(thrown).toBeInstanceOf(IntegrityError);
      expect((thrown as IntegrityError).key).toBe(key);
      expect((thrown as Error).message).toMatch(keys ? /authentication failed/ : new RegExp(`blob ${ids[150]}`));
    }
    // A frame that is intact still reads alone: nothing but its own bytes is checked.
    expect((await new BlobSource({ store: inner, keys, index }).blob("test", ids[0]!, "data")).equals(blobs[0]!)).toBe(
      true,
    );
  });

  it("refuses an index entry that places a frame past its pack, or a pack larger than a pack may be, reading nothing", async () => {
    const inner = create();
    const { ids, index: good, pack, key } = await onePack(inner, keys);
    const { store, reads } = counted(inner);
    const location = good.get(ids[7]!)!;
    const cases: [string, number, number, RegExp][] = [
      ["a frame past the pack", pack.bytes - 4, pack.bytes, /past the frames of the pack's \d+ bytes/],
      [
        "a frame over the footer",
        pack.bytes - location.length - 4,
        pack.bytes,
        /past the frames of the pack's \d+ bytes/,
      ],
      ["a pack too large", location.offset, MAX_PACK_BYTES + 1, /more than a pack may be/],
    ];
    for (const [_what, offset, bytes, message] of cases) {
      const index = new BlobIndex();
      index.add(pack.id, { ...location, offset });
      index.setPackBytes(pack.id, bytes);
      const source = new BlobSource({ store, keys, index });
      for (const read of [
        () => source.blob("test", ids[7]!, "data"),
        () => source.eachBlob("test", [ids[7]!], "data", () => {}),
      ]) {
        const thrown = await rejection(read);
        expect(thrown).toBeInstanceOf(IntegrityError);
        expect((thrown as IntegrityError).key).toBe(key);
        expect((thrown as Error).message).toMatch(message);
      }
    }
    expect(reads).toEqual({ whole: 0, ranges: 0, rangeBytes: 0 });
  });

  it("reads whole packs on the frame thread a slice at a time, the same plaintext, each pack fetched once", async () => {
    const inner = create();
    const { ids, index } = await onePack(inner, keys);
    const { store, reads } = counted(inner);
    const source = new BlobSource({ store, keys, index, threadSliceBytes: 64 * 1024 }); // about 8 frames a slice
    const items = ids.map((id) => ({ location: index.get(id)! }));
    const got: Buffer[] = [];
    for await (const [, data] of source.blobsAt(items, { ranged: false, thread: true, packsAhead: 1 })) got.push(data);
    expect(got.length).toBe(blobs.length);
    expect(got.findIndex((data, i) => !data.equals(blobs[i]!))).toBe(-1); // toEqual of 2,000 buffers takes seconds
    expect(reads).toMatchObject({ whole: 1, ranges: 0 });
  });

  it("reads the frames of a few blobs by ranges on the frame thread, a frame kept before cut on this one", async () => {
    const inner = create();
    const { ids, index } = await onePack(inner, keys);
    const { store, reads } = counted(inner);
    const source = new BlobSource({ store, keys, index, threadSliceBytes: 16 * 1024 });
    // a frame read alone, and kept: blobs 20 and 21 share it
    expect((await source.blob("test", ids[20]!, "data")).equals(blobs[20]!)).toBe(true);
    expect(reads).toMatchObject({ whole: 0, ranges: 1 });
    // blobs 0-40 (one range, several slices, the kept frame amid them: the range read once) and
    // 1500-1503 (another range)
    const wanted = [...Array.from({ length: 41 }, (_, k) => k), 1500, 1501, 1502, 1503];
    const items = wanted.map((i) => ({ i, location: index.get(ids[i]!)! }));
    const got: [number, Buffer][] = [];
    for await (const [{ i }, data] of source.blobsAt(items, { thread: true })) got.push([i, data]);
    expect(got.map(([i]) => i)).toEqual(wanted);
    expect(got.findIndex(([i, data]) => !data.equals(blobs[i]!))).toBe(-1);
    expect(reads).toMatchObject({ whole: 0, ranges: 3 });
  });

  it("posts a slice as its frames' stored bytes alone and the keys as their own bytes; the thread's decode gives the blobs alone", async () => {
    const inner = create();
    const { ids, index, pack } = await onePack(inner, keys);
    const loaded = await readPack({ store: inner, keys }, pack.id);
    const locations = ids.slice(10, 21).map((id) => index.get(id)!);
    const request = sliceRequest(7, keys, loaded, locations);
    const [first, last] = [locations[0]!, locations.at(-1)!];
    expect(request.stored.byteLength).toBe(last.offset + last.length - first.offset);
    expect(request.keys && [request.keys.idKey.buffer.byteLength, request.keys.sealKey.buffer.byteLength]).toEqual(
      keys && [32, 32],
    );
    // the blobs alone come back, one after another: none of their frames' other bytes
    const plain = decodeSlice(request);
    expect(plain.byteLength).toBe(locations.reduce((sum, l) => sum + l.rawLength, 0));
    let at = 0;
    for (const [i, l] of locations.entries()) {
      expect(Buffer.from(plain, at, l.rawLength).equals(blobs[10 + i]!)).toBe(true);
      at += l.rawLength;
    }
  });

  it("refuses on the frame thread a blob that does not match its id, and a frame placed wrong, naming the pack", async () => {
    const inner = create();
    const { ids, index: good, pack, key } = await onePack(inner, keys);
    const location = good.get(ids[40]!)!;
    const cases: [string, Partial<BlobLocation>, RegExp][] = [
      ["another blob's id", { id: ids[41]! }, new RegExp(`blob ${ids[41]}: content does not match its id`)],
      ["a frame one byte on", { offset: location.offset + 1 }, new RegExp(`blob ${ids[40]}: frame at `)],
    ];
    for (const [_what, change, message] of cases) {
      const index = new BlobIndex();
      const forged = { ...location, ...change };
      index.add(pack.id, forged);
      index.setPackBytes(pack.id, pack.bytes);
      const source = new BlobSource({ store: inner, keys, index });
      const thrown = await rejection(async () => {
        for await (const _ of source.blobsAt([{ location: forged }], { ranged: false, thread: true }));
      });
      expect(thrown).toBeInstanceOf(IntegrityError);
      expect((thrown as IntegrityError).key).toBe(key);
      expect((thrown as Error).message).toMatch(message);
    }
  });

  it("names the pack when the store holds fewer bytes of it than the index records", async () => {
    const inner = create();
    const { ids, index, pack, key } = await onePack(inner, keys);
    await inner.put(key, (await inner.getBuffer(key)).subarray(0, Math.floor(pack.bytes / 2)));
    const last = ids.at(-1)!;
    const thrown = await rejection(() => new BlobSource({ store: inner, keys, index }).blob("test", last, "data"));
    expect(thrown).toBeInstanceOf(IntegrityError);
    expect((thrown as IntegrityError).key).toBe(key);
    expect((thrown as Error).message).toMatch(/end past the object's/);
  });

  // 1,000 objects of 4.2 KB: their blobs, under 4 MiB, share the tree's pack (PackWriter.closeIfLarge).
  // A repository's first snapshot keeps its tree in packs of its own (built as types arrive), so
  // the tree read is a second snapshot's, written whole after its data.
  it("reads a snapshot's tree by frames (its data most of the pack), the records it reads from whole packs", async () => {
    const inner = create();
    await writeSnapshotV2({ store: inner, keys, index: new BlobIndex() }, draftV2("20261205T005900Z-0000000a"), [
      inputObject(
        { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespace: "a", name: "first" },
        blobs[1000]!,
      ),
    ]);
    const manifest = await writeSnapshotV2(
      { store: inner, keys, index: (await loadBlobIndex({ store: inner, keys })).index, patchTree: false },
      draftV2("20261205T010000Z-0000000a"),
      blobs.slice(0, 1000).map((data, i) => {
        const [namespace, name] = [`team-${i % 7}`, `web-${i}`];
        return inputObject(
          { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespace, name },
          data,
        );
      }),
    );
    const { index } = await loadBlobIndex({ store: inner, keys });
    const { store, reads } = counted(inner);
    const { getRange: _, ...wholeOnly } = wrapStore(inner, {});
    const byFrames = await walkTree(new BlobSource({ store, keys, index }), manifest);
    expect(reads).toMatchObject({ whole: 0 });
    expect(reads.ranges).toBeGreaterThan(1);
    const fromPacks = await walkTree(new BlobSource({ store: wholeOnly, keys, index }), manifest);
    expect(byFrames).toHaveLength(1000);
    expect(byFrames).toEqual(fromPacks);
  });
});
