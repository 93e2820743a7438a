import { createHash, randomBytes } from "node:crypto";
import { thrownBy } from "@kubedump/testenv";
import { describe, expect, it } from "vitest";
import { IntegrityError } from "../errors.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import { BlobIndex } from "./blob-index.js";
import type { Format2Keys } from "./keys.js";
import { packKey } from "./layout.js";
import { blobId } from "./keys.js";
import { encodeIndexFile } from "./index-file.js";
import { decodeTrailer, encodeFrame, encodeTrailer, MAX_BLOB_BYTES, type PackEntry } from "./pack-format.js";
import { parsePack, readPack } from "./pack-reader.js";
import { PackWriter } from "./pack-writer.js";
import { wrapStore } from "../test-support.js";
import { countingStore, deploymentYaml, TEST_KEYS, testDirectory } from "./test-support.js";

const inTmp = testDirectory("pack");

const blobs = Array.from({ length: 40 }, (_, i) => deploymentYaml("prod", `web-${i}`));
const KEYS: [string, Format2Keys | null][] = [
  ["unencrypted", null],
  ["encrypted", TEST_KEYS],
];

/** Frames of about 3 blobs, packs of a frame or two (unless `targetBytes` is given). */
function newWriter(keys: Format2Keys | null, targetBytes = 512) {
  const { store, puts } = countingStore(
    createLocalObjectStore({ root: inTmp(createHash("sha1").update(Math.random().toString()).digest("hex")) }),
  );
  const index = new BlobIndex();
  return { store, puts, index, writer: new PackWriter({ store, keys, index, targetBytes, frameBytes: 3 * 1024 }) };
}

describe.each(KEYS)("format 2 packs (%s)", (_, keys) => {
  it("round-trips every blob through packs of about the target size, named by their sha256", async () => {
    const { store, index, writer } = newWriter(keys);
    const ids = [];
    for (const blob of blobs) ids.push(await writer.add("data", blob));
    const stats = await writer.finish();
    expect(stats.packs.length).toBeGreaterThan(1);
    expect(stats.blobsWritten).toBe(blobs.length);
    const frames = stats.packs.flatMap((p) => [...new Set(p.entries.map((e) => `${p.id} ${e.offset}`))]);
    expect(frames.length).toBeLessThan(blobs.length / 2); // blobs share frames
    for (const written of stats.packs) {
      const pack = await readPack({ store, keys }, written.id);
      expect(
        createHash("sha256")
          .update(await store.getBuffer(packKey(written.id)))
          .digest("hex"),
      ).toBe(written.id);
      expect(pack.entries).toEqual(written.entries);
    }
    for (const [i, id] of ids.entries()) {
      const location = index.get(id);
      expect(location?.type).toBe("data");
      const pack = await readPack({ store, keys }, location?.pack ?? "");
      expect(pack.blob(location!).equals(blobs[i]!)).toBe(true);
    }
  });

  it("places frames compressed at once in the order they closed, back to back", async () => {
    // A large incompressible frame, then small ones: the small ones' compression ends first.
    const mixed = Array.from({ length: 24 }, (_, i) =>
      i % 6 === 0 ? randomBytes(256 * 1024) : Buffer.from(`${blobs[i]!.toString()}#${i}`),
    );
    const store = createLocalObjectStore({ root: inTmp(`in-flight-${keys ? "e" : "u"}`) });
    const writer = new PackWriter({ store, keys, index: new BlobIndex(), frameBytes: 1 });
    const ids = [];
    for (const blob of mixed) ids.push(await writer.add("data", blob));
    const { packs } = await writer.finish();
    expect(packs).toHaveLength(1);
    const entries = packs[0]!.entries;
    expect(entries.map((e) => e.id)).toEqual(ids);
    for (const [i, e] of entries.entries())
      expect(e.offset).toBe(i === 0 ? 0 : entries[i - 1]!.offset + entries[i - 1]!.length);
    const pack = await readPack({ store, keys }, packs[0]!.id);
    for (const [i, e] of entries.entries()) expect(pack.blob(e).equals(mixed[i]!)).toBe(true);
  });

  it("compresses frames at its level: level 0 stores them as they are, level 9 smaller than level 1", async () => {
    const stored = async (level: number) => {
      const store = createLocalObjectStore({ root: inTmp(`level-${level}-${keys ? "e" : "u"}`) });
      const writer = new PackWriter({ store, keys, index: new BlobIndex(), frameBytes: 3 * 1024, level });
      for (const blob of blobs) await writer.add("data", blob);
      const [pack] = (await writer.finish()).packs;
      const read = await readPack({ store, keys }, pack!.id);
      expect(read.entries.map((e) => read.blob(e))).toEqual(blobs);
      return { bytes: pack!.bytes, compression: new Set(pack!.entries.map((e) => e.compression)) };
    };
    const [none, fast, best] = [await stored(0), await stored(1), await stored(9)];
    expect([...none.compression]).toEqual([0]);
    expect([...fast.compression]).toEqual([1]);
    expect(best.bytes).toBeLessThan(fast.bytes);
    expect(fast.bytes).toBeLessThan(none.bytes / 2);
    const store = createLocalObjectStore({ root: inTmp("level-bad") });
    expect(() => new PackWriter({ store, keys, index: new BlobIndex(), level: 10 })).toThrow(/level must be .* got 10/);
  });

  it("uploads several packs at once, stores every one, and fails finish when one upload fails", async () => {
    const inner = createLocalObjectStore({ root: inTmp(`in-flight-uploads-${keys ? "e" : "u"}`) });
    let [running, most, failing] = [0, 0, false];
    const store = wrapStore(inner, {
      async put(key, body) {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running -= 1;
        if (failing && key.startsWith("data/")) throw new Error(`put ${key}: refused`);
        await inner.put(key, body);
      },
    });
    const writer = new PackWriter({ store, keys, index: new BlobIndex(), targetBytes: 512, frameBytes: 1024 });
    for (const blob of blobs) await writer.add("data", blob);
    const { packs } = await writer.finish();
    expect(packs.length).toBeGreaterThan(4);
    expect(most).toBeGreaterThan(1);
    for (const pack of packs) expect((await store.stat(packKey(pack.id)))?.size).toBe(pack.bytes);
    // An index file copies the headers' entries as the writer encoded them: the bytes of encoding them again.
    expect(packs.every((p) => p.entryBytes !== undefined)).toBe(true);
    const reencoded = encodeIndexFile(
      null,
      packs.map(({ entryBytes: _, ...pack }) => pack),
    );
    expect(encodeIndexFile(null, packs).id).toBe(reencoded.id); // unsealed: a sealed box differs each time
    failing = true;
    const failed = new PackWriter({ store, keys, index: new BlobIndex(), targetBytes: 512, frameBytes: 1024 });
    const added = (async () => {
      for (const blob of blobs) await failed.add("data", Buffer.from(`${blob.toString()}#again`));
      await failed.finish();
    })();
    await expect(added).rejects.toThrow(/refused/);
  });

  it("closes the open pack before a tree only when it holds a quarter of the target or more", async () => {
    const { writer } = newWriter(keys, 64 * 1024);
    const random = (n: number) => Buffer.from(randomBytes(n).toString("base64"));
    await writer.add("data", random(2 * 1024)); // 2.7 KB of plaintext: under 16 KiB
    await writer.closeIfLarge();
    expect((await writer.close()).length).toBe(1); // close() sealed it: closeIfLarge had not
    // 27 KB of plaintext: about 20 KiB stored, over 16 KiB
    for (let i = 0; i < 10; i++) await writer.add("data", random(2 * 1024));
    await writer.closeIfLarge();
    await writer.add("tree", random(100));
    const { packs } = await writer.finish();
    expect(packs.map((p) => p.entries.map((e) => e.type).join(","))).toEqual([
      "data",
      Array(10).fill("data").join(","),
      "tree",
    ]);
  });

  it("writes a blob once: not again when in the open pack, nor when in the index", async () => {
    const { index, writer, puts } = newWriter(keys, 1024 * 1024);
    const first = await writer.add("data", blobs[0]!);
    expect(await writer.add("data", Buffer.from(blobs[0]!))).toBe(first);
    const stats = await writer.finish();
    expect(stats).toMatchObject({ blobsWritten: 1, blobsReused: 1 });
    const again = new PackWriter({ store: newWriter(keys).store, keys, index });
    await again.add("data", blobs[0]!);
    expect(await again.finish()).toMatchObject({ blobsWritten: 0, blobsReused: 1, packs: [] });
    expect(puts.size).toBe(1);
  });

  it("names the pack when its bytes no longer hash to its id", async () => {
    const { store, writer } = newWriter(keys);
    await writer.add("data", blobs[0]!);
    const [written] = (await writer.finish()).packs;
    const data = await store.getBuffer(packKey(written!.id));
    data[3] = (data[3] ?? 0) ^ 1;
    expect(() => parsePack(keys, written!.id, data)).toThrow(new RegExp(`${packKey(written!.id)}: pack bytes hash`));
  });

  it("names the pack when the bytes it reads (hashed off the main thread) no longer hash to its id", async () => {
    const { store, writer } = newWriter(keys);
    await writer.add("data", blobs[0]!);
    const [written] = (await writer.finish()).packs;
    const key = packKey(written!.id);
    expect((await readPack({ store, keys }, written!.id)).blob(written!.entries[0]!)).toEqual(blobs[0]);
    const data = await store.getBuffer(key);
    data[3] = (data[3] ?? 0) ^ 1;
    await store.put(key, data);
    await expect(readPack({ store, keys }, written!.id)).rejects.toThrow(new RegExp(`${key}: pack bytes hash`));
  });

  it("decodes a pack's header entries only when asked for, the same as the writer's", () => {
    const { id, data } = forgedPack({});
    const pack = parsePack(keys, id, data);
    expect(pack.entries).toEqual(decodeTrailer(keys, packKey(id), data));
    expect(pack.entries).toBe(pack.entries); // decoded once
    expect(pack.entries.map((e) => e.offsetInFrame)).toEqual([0, blobs[0]!.length]);
  });

  /** A pack of one frame of blobs[0] and blobs[1] whose first header entry is changed by `change`, named by its sha256. */
  function forgedPack(change: Partial<PackEntry>): { id: string; data: Buffer } {
    const frame = encodeFrame(keys, [blobs[0]!, blobs[1]!]);
    const common = { type: "data", compression: frame.compression, offset: 0, length: frame.stored.length } as const;
    const entries: PackEntry[] = [
      { ...common, id: blobId(keys, blobs[0]!), frameRawLength: frame.rawLength, offsetInFrame: 0 },
      { ...common, id: blobId(keys, blobs[1]!), frameRawLength: frame.rawLength, offsetInFrame: blobs[0]!.length },
    ].map((e, i) => ({ ...e, rawLength: blobs[i]!.length }));
    entries[0] = { ...entries[0]!, ...change };
    const data = Buffer.concat([frame.stored, encodeTrailer(keys, entries)]);
    return { id: createHash("sha256").update(data).digest("hex"), data };
  }

  it("reads two blobs of one frame from a hand-made pack", () => {
    const { id, data } = forgedPack({});
    const pack = parsePack(keys, id, data);
    expect(pack.entries.map((e) => pack.blob(e))).toEqual([blobs[0], blobs[1]]);
  });

  it("names the blob and the pack when a blob's content does not match its id", () => {
    const forgedId = blobId(keys, blobs[2]!);
    const { id, data } = forgedPack({ id: forgedId });
    const pack = parsePack(keys, id, data);
    const thrown = thrownBy(() => pack.blob(pack.entries[0]!));
    expect(thrown).toBeInstanceOf(IntegrityError);
    expect((thrown as IntegrityError).key).toBe(packKey(id));
    expect((thrown as Error).message).toContain(`blob ${forgedId}`);
  });

  it("refuses a header whose entries overlap or leave the pack, and a pack without footer", () => {
    const longer = forgedPack({ length: encodeFrame(keys, [blobs[0]!, blobs[1]!]).stored.length + 1 });
    expect(() => parsePack(keys, longer.id, longer.data)).toThrow(/does not follow/);
    const gap = forgedPack({ rawLength: blobs[0]!.length - 1 });
    expect(() => parsePack(keys, gap.id, gap.data)).toThrow(/does not follow/);
    const { id, data } = forgedPack({ offsetInFrame: 1 });
    expect(() => parsePack(keys, id, data)).toThrow(/does not follow/);
    const cut = data.subarray(0, data.length - 1);
    expect(() => parsePack(keys, createHash("sha256").update(cut).digest("hex"), cut)).toThrow(/KDMPPAK2 footer/);
  });

  it("refuses a blob that claims more plaintext than a blob may hold", () => {
    const { id, data } = forgedPack({});
    const pack = parsePack(keys, id, data);
    expect(() => pack.blob({ ...pack.entries[0]!, rawLength: MAX_BLOB_BYTES + 1 })).toThrow(/more than a blob may be/);
    expect(() => pack.blob({ ...pack.entries[1]!, rawLength: blobs[1]!.length + 1 })).toThrow(/past its frame/);
  });
});
