// The objects reader as a restore step uses it (a few objects of a large pack, by paths): only the
// frames that hold them are read, by ranges, not the pack; a changed byte in such a frame is
// refused naming the pack; a read of every object still reads each pack whole, and a pack read
// whole is kept for the next read (the next step). On MinIO and on a
// local directory, unencrypted and encrypted.
import { randomBytes } from "node:crypto";
import { describe, expect, inject, it, onTestFinished, vi } from "vitest";
import { IntegrityError } from "../errors.js";
import type { ObjectStore } from "../stores/object-store.js";
import { collect, wrapStore } from "../test-support.js";
import { BlobIndex } from "./blob-index.js";
import { loadBlobIndex } from "./index-loader.js";
import type { Format2Keys } from "./keys.js";
import { packKey } from "./layout.js";
import { BlobSource } from "./blob-source.js";
import { byPlace } from "./pack-format.js";
import { PACKS_IDLE_MS, SnapshotReaderV2 } from "./snapshot-reader.js";
import { writeSnapshotV2 } from "./snapshot-writer.js";
import { deploymentYaml, draftV2, inputObject, storeKeyCases, testStores } from "./test-support.js";
import { walkTree } from "./tree-walker.js";

const env = inject("testenv");
const { stores } = testStores(env, "kubedump-f2-ranged", "reader-ranges");
const CASES = storeKeyCases(stores);
const ID = "20261205T030000Z-0000000b";

/** 2,000 Deployments of about 4.2 KB, mostly random (a data pack of about 6 MB): their YAML by name. */
const objects = Array.from({ length: 2000 }, (_, i) => {
  const [namespace, name] = [`team-${i % 7}`, `web-${String(i).padStart(4, "0")}`];
  const yaml = deploymentYaml(namespace, name, i);
  const padding = randomBytes(3200)
    .toString("base64")
    .slice(0, 4200 - yaml.length - 2);
  const data = Buffer.from(`${yaml}#${padding}\n`);
  return inputObject(
    { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespace, name },
    data,
  );
});

/** `inner` counting the GETs of pack `pack`, whole (getBuffer) and by ranges (getRange), and the bytes ranged. */
function counted(inner: ObjectStore, pack: string) {
  const reads = { whole: 0, ranges: 0, rangeBytes: 0 };
  const store = wrapStore(inner, {
    async getBuffer(key, maxBytes) {
      if (key === packKey(pack)) reads.whole += 1;
      return inner.getBuffer(key, maxBytes);
    },
    async getRange(key, offset, length) {
      if (key !== packKey(pack)) return (inner.getRange as NonNullable<ObjectStore["getRange"]>)(key, offset, length);
      reads.ranges += 1;
      reads.rangeBytes += length;
      return (inner.getRange as NonNullable<ObjectStore["getRange"]>)(key, offset, length);
    },
  });
  return { store, reads };
}

/** The snapshot of `objects` in `inner`: its index, and its records with where each one's YAML lies, in pack order. */
async function written(inner: ObjectStore, keys: Format2Keys | null) {
  const manifest = await writeSnapshotV2({ store: inner, keys, index: new BlobIndex() }, draftV2(ID), objects);
  const { index } = await loadBlobIndex({ store: inner, keys });
  const tree = await walkTree(new BlobSource({ store: inner, keys, index }), manifest);
  const records = tree.map(({ record, blob }) => ({ ...record, location: index.get(blob)! }));
  expect(new Set(records.map((r) => r.location.pack)).size).toBe(1); // one data pack
  records.sort((a, b) => byPlace(a.location, b.location));
  return { manifest, index, records };
}

describe.each(CASES)("the objects reader on %s (%s)", (_store, _keys, create, keys) => {
  it("reads a few objects of a large pack by the ranges of their frames, and every object from the whole pack", async () => {
    const inner = create();
    const { manifest, index, records } = await written(inner, keys);
    const { store, reads } = counted(inner, records[0]!.location.pack);
    const reader = new SnapshotReaderV2({ store, keys, index }, manifest);
    const few = [records[3]!, records[4]!, records[900]!, records[1999]!];
    const got = await collect(reader.objects([0], new Set(few.map((r) => r.path))));
    expect(got.map((o) => o.path)).toEqual(few.map((r) => r.path)); // offset order, as written
    const byName = new Map(objects.map((o) => [o.record.name, o.data]));
    for (const [i, object] of got.entries()) expect(object.data.equals(byName.get(few[i]!.name)!)).toBe(true);
    const packBytes = index.packBytes(few[0]!.location.pack)!;
    expect(reads).toMatchObject({ whole: 0, ranges: 3 }); // 3 and 4 share a range
    expect(reads.rangeBytes).toBeLessThan(packBytes / 20);

    const all = await collect(reader.objects());
    expect(all).toHaveLength(objects.length);
    expect(reads).toMatchObject({ whole: 1, ranges: 3 });
    const paths = new Map(records.map((r) => [r.path, r.name]));
    for (const object of all) expect(object.data.equals(byName.get(paths.get(object.path)!)!)).toBe(true);
  });

  it("reads a pack that two steps read most of once, keeping it from one read to the next till it idles", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const inner = create();
    const { manifest, index, records } = await written(inner, keys);
    const { store, reads } = counted(inner, records[0]!.location.pack);
    const reader = new SnapshotReaderV2({ store, keys, index }, manifest);
    const paths = (from: number, to: number) => new Set(records.slice(from, to).map((r) => r.path));
    expect(await collect(reader.objects([0], paths(0, 1400)))).toHaveLength(1400);
    expect(await collect(reader.objects([0], paths(600, 2000)))).toHaveLength(1400);
    expect(reads).toMatchObject({ whole: 1, ranges: 0 });
    vi.advanceTimersByTime(PACKS_IDLE_MS - 1);
    expect(await collect(reader.objects([0], paths(0, 1400)))).toHaveLength(1400);
    expect(reads).toMatchObject({ whole: 1, ranges: 0 });
    vi.advanceTimersByTime(PACKS_IDLE_MS); // no read for that long: the packs are let go
    expect(await collect(reader.objects([0], paths(0, 1400)))).toHaveLength(1400);
    expect(reads).toMatchObject({ whole: 2, ranges: 0 });
  });

  it("refuses a changed byte in a frame it reads by a range, naming the pack", async () => {
    const inner = create();
    const { manifest, index, records } = await written(inner, keys);
    // The last blob of its frame: a changed byte near the frame's end changes its plaintext.
    const wanted = records.findLast((r, i) => i < 1200 && r.location.offset !== records[i + 1]!.location.offset)!;
    const { location } = wanted;
    const key = packKey(location.pack);
    const data = await inner.getBuffer(key);
    data[location.offset + location.length - 4]! ^= 0x40;
    await inner.put(key, data);
    const { store, reads } = counted(inner, location.pack);
    const read = collect(new SnapshotReaderV2({ store, keys, index }, manifest).objects([0], new Set([wanted.path])));
    const thrown = await read.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(thrown).toBeInstanceOf(IntegrityError);
    expect((thrown as IntegrityError).key).toBe(key);
    expect((thrown as Error).message).toMatch(keys ? /authentication failed/ : /blob [0-9a-f]{64}/);
    expect(reads.whole).toBe(0);
  });
});
