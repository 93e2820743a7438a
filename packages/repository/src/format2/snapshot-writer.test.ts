import { describe, expect, it } from "vitest";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import { collect, wrapStore } from "../test-support.js";
import { BlobIndex } from "./blob-index.js";
import { blobId } from "./keys.js";
import { SnapshotWriterV2, writeSnapshotV2 } from "./snapshot-writer.js";
import { clusterObjects, draftV2, readBackHashes, TEST_KEYS, testDirectory } from "./test-support.js";

const inTmp = testDirectory("writer");

describe("format 2 snapshot writer, uploads under way while it writes", () => {
  it("fails the commit when a pack upload fails, and stores no index file and no snapshot.json", async () => {
    const inner = createLocalObjectStore({ root: inTmp("failing") });
    let packs = 0;
    const store = wrapStore(inner, {
      async put(key, body) {
        if (key.startsWith("data/") && ++packs === 2) {
          await new Promise((resolve) => setTimeout(resolve, 200)); // the uploads after it go on meanwhile
          throw new Error(`put ${key}: refused`);
        }
        await inner.put(key, body);
      },
    });
    const deps = { store, keys: null, index: new BlobIndex(), packTargetBytes: 8 * 1024, packFrameBytes: 4 * 1024 };
    await expect(writeSnapshotV2(deps, draftV2("20261126T020000Z-00000001"), clusterObjects(200, 2))).rejects.toThrow(
      /refused/,
    );
    expect(packs).toBeGreaterThan(2); // later packs went on uploading beside the failed one
    const keys = (await collect(inner.list(""))).map((e) => e.key);
    expect(keys.filter((k) => k.startsWith("data/")).length).toBeGreaterThan(0);
    expect(keys.filter((k) => !k.startsWith("data/"))).toEqual([]);
  });
});

describe("format 2 snapshot writer, digests computed off the main thread", () => {
  for (const keys of [null, TEST_KEYS]) {
    it(`stores the same snapshot with the batch's digests given as it does hashing each YAML itself (${keys ? "encrypted" : "unencrypted"})`, async () => {
      const objects = clusterObjects(300, 3);
      const roots: string[] = [];
      for (const given of [false, true]) {
        const store = createLocalObjectStore({ root: inTmp(`digests-${keys !== null}-${given}`) });
        const writer = new SnapshotWriterV2({ store, keys, index: new BlobIndex(), packFrameBytes: 4 * 1024 });
        for (let at = 0; at < objects.length; at += 100) {
          const batch = objects.slice(at, at + 100).map((o) => ({ ...o, record: { ...o.record, sha256: "" } }));
          const digests = given ? await writer.digest(batch) : undefined;
          if (digests) {
            expect(digests.ids[0]).toBe(blobId(keys, batch[0]?.data as Buffer));
            expect(digests.ids[0] === digests.sha256[0]).toBe(keys === null); // an encrypted id is no plain hash
          }
          await writer.add(batch, digests);
        }
        const manifest = await writer.commit(draftV2("20261126T020000Z-00000001"));
        roots.push(manifest.tree);
        const read = await readBackHashes(store, keys, manifest.id);
        expect(read).toEqual(objects.map((o) => o.record.sha256).sort());
      }
      expect(roots[1]).toBe(roots[0]); // the same tree, to the byte
    });
  }

  it("refuses digests that are not the batch's, naming the object, and stores nothing of it", async () => {
    const store = createLocalObjectStore({ root: inTmp("digests-wrong") });
    const writer = new SnapshotWriterV2({ store, keys: null, index: new BlobIndex() });
    const batch = clusterObjects(3, 1).map((o) => ({ ...o, record: { ...o.record, sha256: "" } }));
    const digests = await writer.digest(batch.slice(0, 2));
    await expect(writer.add(batch, digests)).rejects.toThrow("snapshot writer: 2 digests for 3 objects");
    // the same bytes in other Buffers, in another order: taken for no object, even with no sha256 to check
    const swapped = await writer.digest([batch[1], batch[0]].map((o) => ({ data: Buffer.from(o?.data as Buffer) })));
    await expect(writer.add(batch.slice(0, 2), swapped)).rejects.toThrow(
      'snapshot writer: deployments.apps "web-0" in namespace team-0: the digests given are of another YAML',
    );
    expect(batch.map((o) => o.record.sha256)).toEqual(["", "", ""]);
  });
});
