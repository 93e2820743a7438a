import { describe, expect, it } from "vitest";
import { stopGzipThread } from "../archive/gzip-thread.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import { collect } from "../test-support.js";
import { BlobIndex } from "./blob-index.js";
import { blobId } from "./keys.js";
import { PackAssembler } from "./pack-assembler.js";
import { readPack } from "./pack-reader.js";
import { PackWriter } from "./pack-writer.js";
import { deploymentYaml, KEY_CASES, testDirectory } from "./test-support.js";

const inTmp = testDirectory("pack-thread");

const yamls = Array.from({ length: 120 }, (_, i) => deploymentYaml("prod", `web-${i}`));

/** `pieces` one after another in one buffer, each a view of it (a page as the thread keeps it). */
function backToBack(pieces: readonly Buffer[]): Buffer[] {
  const all = Buffer.concat(pieces);
  const views: Buffer[] = [];
  let off = 0;
  for (const piece of pieces) {
    views.push(all.subarray(off, off + piece.length));
    off += piece.length;
  }
  return views;
}

describe("PackAssembler", () => {
  it("lays out the same packs from blobs back to back in one buffer as from blobs of their own", () => {
    const options = { keys: null, level: 1, targetBytes: 1024, frameBytes: 2 * 1024 };
    const lay = (blobs: readonly Buffer[]) => {
      const assembler = new PackAssembler(options);
      const packs = blobs.map((b, i) => assembler.add(i % 7 === 0 ? "tree" : "data", blobId(null, b), b));
      return [...packs, assembler.close()].filter((p) => p !== undefined).map((p) => p.id);
    };
    const own = lay(yamls.map((y) => Buffer.from(y)));
    expect(own.length).toBeGreaterThan(2);
    expect(lay(backToBack(yamls))).toEqual(own);
    // a gap between two blobs of one buffer: copied together, the same bytes again
    const withGap = backToBack([...yamls.slice(0, 3), Buffer.from("skipped"), ...yamls.slice(3)]);
    withGap.splice(3, 1);
    expect(lay(withGap)).toEqual(own);
  });

  it("refuses a level outside 0-9, naming it", () => {
    expect(() => new PackAssembler({ keys: null, level: -1 })).toThrow(/level must be .* got -1/);
  });
});

describe.each(KEY_CASES)("PackWriter on the compressing thread (%s)", (_, keys) => {
  const idKey = keys ? new Uint8Array(keys.idKey) : undefined;

  it("stores the pieces of a batch the thread kept, each once, as put stores blobs given with their bytes", async () => {
    const store = createLocalObjectStore({ root: inTmp(`kept-${keys ? "e" : "u"}`) });
    const index = new BlobIndex();
    const writer = new PackWriter({ store, keys, index, targetBytes: 1024, frameBytes: 2 * 1024 });
    const batches = [yamls.slice(0, 50), yamls.slice(50, 100)];
    const expected = new Map<string, Buffer>();
    for (const batch of batches) {
      const digests = await writer.digest(batch, idKey);
      expect(digests.ids).toEqual(batch.map((y) => blobId(keys, y)));
      // every other piece, and the first twice: stored once
      for (let i = 0; i < batch.length; i += 2) {
        writer.putPiece(digests, i, digests.ids[i] as string);
        expected.set(digests.ids[i] as string, batch[i] as Buffer);
      }
      writer.putPiece(digests, 0, digests.ids[0] as string);
      await writer.sendPieces(digests);
    }
    // then blobs given with their bytes, among them one of a batch: known already
    for (const yaml of [...yamls.slice(100), yamls[0] as Buffer]) expected.set(await writer.add("data", yaml), yaml);
    const stats = await writer.finish();
    expect(stats.blobsWritten).toBe(expected.size);
    expect(stats.blobsReused).toBe(3); // the first piece of each batch given twice, and the blob of a batch
    expect(stats.packs.length).toBeGreaterThan(1);
    const stored = new Map<string, Buffer>();
    for (const written of stats.packs) {
      const pack = await readPack({ store, keys }, written.id);
      for (const entry of pack.entries) {
        expect(stored.has(entry.id)).toBe(false);
        stored.set(entry.id, pack.blob(entry));
        expect(index.get(entry.id)?.pack).toBe(written.id);
      }
    }
    expect(new Map([...stored].sort())).toEqual(new Map([...expected].sort()));
  });

  it("fails what is pending and what follows when the thread stops, and a new writer starts a new thread", async () => {
    const store = createLocalObjectStore({ root: inTmp(`stopped-${keys ? "e" : "u"}`) });
    const writer = new PackWriter({ store, keys, index: new BlobIndex(), frameBytes: 4 * 1024 });
    for (const yaml of yamls.slice(0, 10)) await writer.add("data", yaml);
    await stopGzipThread();
    await expect(writer.finish()).rejects.toThrow(/pack writer on the compressing thread: the gzip thread stopped/);
    await expect(writer.add("data", yamls[11] as Buffer)).rejects.toThrow(/compressing thread|finished or aborted/);
    const again = new PackWriter({ store, keys, index: new BlobIndex(), frameBytes: 4 * 1024 });
    await again.add("data", yamls[12] as Buffer);
    expect((await again.finish()).packs).toHaveLength(1);
  });

  it("an aborted writer stores nothing more and fails what follows", async () => {
    const store = createLocalObjectStore({ root: inTmp(`aborted-${keys ? "e" : "u"}`) });
    const writer = new PackWriter({ store, keys, index: new BlobIndex(), frameBytes: 4 * 1024 });
    const digests = await writer.digest(yamls.slice(0, 20), idKey);
    writer.putPiece(digests, 0, digests.ids[0] as string);
    writer.abort();
    writer.abort(); // twice: safe
    await expect(writer.sendPieces(digests)).rejects.toThrow(/finished or aborted/);
    await expect(writer.finish()).rejects.toThrow(/finished or aborted/);
    expect(await collect(store.list(""))).toEqual([]);
  });
});
