import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import { collect, wrapStore } from "../test-support.js";
import { BlobIndex } from "./blob-index.js";
import { writeSnapshotV2 } from "./snapshot-writer.js";
import { clusterObjects, draftV2 } from "./test-support.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-format2-writer-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("format 2 snapshot writer, uploads under way while it writes", () => {
  it("fails the commit when a pack upload fails, and stores no index file and no snapshot.json", async () => {
    const inner = createLocalObjectStore({ root: join(tmp, "failing") });
    let packs = 0;
    const store = wrapStore(inner, {
      async put(key, body) {
        if (key.startsWith("data/") && ++packs === 2) throw new Error(`put ${key}: refused`);
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
