// The objects reader fetches the next packs while it reads one: with a store that answers each
// GET slowly, more than one pack GET is in flight; a pack that fails to fetch ahead fails the read
// when it is reached, and no rejection goes unhandled before that.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import type { ObjectStore } from "../stores/object-store.js";
import { collect, wrapStore } from "../test-support.js";
import { BlobIndex } from "./blob-index.js";
import { loadBlobIndex } from "./index-loader.js";
import { readManifestV2, readSnapshotObjectsV2 } from "./snapshot-reader.js";
import { writeSnapshotV2 } from "./snapshot-writer.js";
import { clusterObjects, draftV2, testDirectory } from "./test-support.js";

const inTmp = testDirectory("prefetch");
const ID = "20261126T020000Z-00000001";

/** A store whose pack GETs take 30 ms, counting how many are in flight at most; `failing` GETs reject. */
function slowPacks(inner: ObjectStore, failing = new Set<string>()) {
  const seen = { inFlight: 0, most: 0, gets: 0 };
  const store = wrapStore(inner, {
    async getBuffer(key, maxBytes) {
      if (!key.startsWith("data/")) return inner.getBuffer(key, maxBytes);
      seen.gets += 1;
      seen.inFlight += 1;
      seen.most = Math.max(seen.most, seen.inFlight);
      try {
        await sleep(30);
        if (failing.has(key)) throw new Error(`GET ${key}: connection reset`);
        return await inner.getBuffer(key, maxBytes);
      } finally {
        seen.inFlight -= 1;
      }
    },
  });
  return { store, seen };
}

describe("the format 2 objects reader", () => {
  it("fetches the next packs while it reads one, and fails at a pack that did not fetch", async () => {
    const inner = createLocalObjectStore({ root: inTmp("repo") });
    const index = new BlobIndex();
    const deps = { store: inner, keys: null, index, packTargetBytes: 4 * 1024, packFrameBytes: 2 * 1024 };
    const input = clusterObjects(300, 3);
    await writeSnapshotV2(deps, draftV2(ID), input);
    const manifest = await readManifestV2({ store: inner }, ID);
    const loaded = (await loadBlobIndex({ store: inner, keys: null })).index;
    // Unencrypted, a data blob's id is the sha256 of its YAML.
    const dataPacks = new Set(input.map(({ record }) => loaded.get(record.sha256)?.pack as string));
    expect(dataPacks.size).toBeGreaterThan(3);

    const { store, seen } = slowPacks(inner);
    const objects = await collect(readSnapshotObjectsV2({ store, keys: null, index: loaded }, manifest));
    expect(objects).toHaveLength(300);
    expect(seen.most).toBeGreaterThan(1);

    const lastPack = [...dataPacks].sort().at(-1) as string;
    const last = `data/${lastPack.slice(0, 2)}/${lastPack}`;
    const broken = slowPacks(inner, new Set([last]));
    const read = collect(readSnapshotObjectsV2({ store: broken.store, keys: null, index: loaded }, manifest));
    await expect(read).rejects.toThrow(/connection reset/);
  });
});
