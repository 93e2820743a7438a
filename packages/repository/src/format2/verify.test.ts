// Verify: a clean repository passes; a corrupted pack and a blob missing from the index are
// reported naming snapshot, blob and pack; readDataSubset reads that share of the packs.
import { describe, expect, inject, it } from "vitest";
import type { ObjectStore } from "../stores/object-store.js";
import { collect, wrapStore } from "../test-support.js";
import { readIndexFiles, writeIndexFile } from "./index-loader.js";
import { blobId } from "./keys.js";
import { snapshotManifestKey } from "../snapshot/layout.js";
import { indexFileKey, packKey } from "./layout.js";
import { PRUNE_IDS, pruneInput, writeForgottenMiddle, testStores } from "./test-support.js";
import { parseDataSubset, verifyRepository } from "./verify.js";

const env = inject("testenv");
const { stores: STORES, localStore } = testStores(env, "kubedump-f2-verify", "verify");

/** The id of the pack the index gives for `blob`. */
async function packOf(store: ObjectStore, blob: string): Promise<string> {
  for await (const { packs } of readIndexFiles({ store, keys: null }))
    for (const pack of packs) if (pack.entries.some((e) => e.id === blob)) return pack.id;
  throw new Error(`blob ${blob} in no index file`);
}

/** Rewrites the index files without `blob`, as if it had never been listed. */
async function unlist(store: ObjectStore, blob: string): Promise<void> {
  for (const { id, packs } of await collect(readIndexFiles({ store, keys: null }))) {
    if (!packs.some((p) => p.entries.some((e) => e.id === blob))) continue;
    await writeIndexFile(
      { store, keys: null },
      packs.map((p) => ({ ...p, entries: p.entries.filter((e) => e.id !== blob) })),
    );
    await store.delete(indexFileKey(id));
  }
}

describe.each(STORES)("format 2 verify on %s", (_, newStore) => {
  it("passes a sound repository, then names the snapshot, blob and pack of a corrupted pack and a missing blob", async () => {
    const store = newStore();
    await writeForgottenMiddle(store, null);
    const clean = await verifyRepository({ store, keys: null });
    expect(clean).toMatchObject({ snapshots: 2, problems: [] });
    expect(clean.packsRead).toBe(clean.packs);
    expect(clean.blobsRead).toBeGreaterThan(clean.usedBlobs);

    const last = pruneInput(2);
    const corrupted = blobId(null, last[7]!.data); // used by both kept snapshots
    const badPack = await packOf(store, corrupted);
    const bytes = await store.getBuffer(packKey(badPack));
    bytes[0] = (bytes[0] as number) ^ 0xff;
    await store.put(packKey(badPack), bytes);
    const missing = blobId(null, last[398]!.data); // changed in the last snapshot only (398 % 4 = 2)
    await unlist(store, missing);

    const { problems } = await verifyRepository({ store, keys: null });
    expect(problems).toContainEqual(
      expect.objectContaining({ pack: packKey(badPack), message: expect.stringMatching(/pack does not read: .*hash/) }),
    );
    const packProblem = problems.find((p) => p.pack === packKey(badPack));
    expect(packProblem?.snapshot).toMatch(/^20261126T0[24]0000Z-0a0a0a0a$/);
    expect(packProblem?.blob).toMatch(/^[0-9a-f]{64}$/);
    expect(problems).toContainEqual({
      snapshot: PRUNE_IDS[2],
      blob: missing,
      message: `data blob ${missing} is in no index file`,
    });
  });

  it("names a snapshot whose snapshot.json does not read and still checks the others", async () => {
    const store = newStore();
    await writeForgottenMiddle(store, null);
    const damaged = PRUNE_IDS[2] as string;
    const key = snapshotManifestKey(damaged);
    await store.put(key, (await store.getBuffer(key)).subarray(0, 20));
    const report = await verifyRepository({ store, keys: null });
    expect(report.snapshots).toBe(2);
    expect(report.problems).toEqual([
      { snapshot: damaged, message: expect.stringMatching(/^snapshot\.json does not read: .*snapshot\.json/) },
    ]);
    expect(report.packsRead).toBe(report.packs);
  });
});

/** Counts the GETs of packs (keys under data/). */
function countingPackGets(inner: ObjectStore): { store: ObjectStore; gets: string[] } {
  const gets: string[] = [];
  const store = wrapStore(inner, {
    async getBuffer(key, maxBytes) {
      if (key.startsWith("data/")) gets.push(key);
      return inner.getBuffer(key, maxBytes);
    },
    async get(key) {
      if (key.startsWith("data/")) gets.push(key);
      return inner.get(key);
    },
  });
  return { store, gets };
}

describe("verify with readDataSubset", () => {
  it.each([
    ["10%", 0.1],
    ["25%", 0.25],
    ["100%", 1],
  ])("with %s reads that share of the packs, chosen at random", async (subset, share) => {
    const inner = localStore(`subset-${share}`);
    await writeForgottenMiddle(inner, null);
    const { store, gets } = countingPackGets(inner);
    const first = await verifyRepository({ store, keys: null, readDataSubset: subset });
    expect(first.problems).toEqual([]);
    expect(first.packsRead).toBe(Math.ceil(first.packs * share));
    const treeGets = gets.length - first.packsRead; // packs of tree blobs, read while marking
    gets.length = 0;
    const second = await verifyRepository({ store, keys: null, readDataSubset: subset });
    expect(gets.length - treeGets).toBe(second.packsRead);
    expect(second.packsRead).toBeGreaterThan(0);
  });

  it("refuses a subset that is not a percentage, naming the option", () => {
    expect(parseDataSubset("10%")).toBe(0.1);
    expect(parseDataSubset(undefined)).toBe(1);
    expect(parseDataSubset("0%")).toBe(0);
    for (const bad of ["110%", "ten", "10", -0.5]) expect(() => parseDataSubset(bad)).toThrow(/readDataSubset/);
  });

  it("with 0% reads no pack but finds one missing or of another size by a stat", async () => {
    const inner = localStore("subset-0");
    await writeForgottenMiddle(inner, null);
    const { store, gets } = countingPackGets(inner);
    const clean = await verifyRepository({ store, keys: null, readDataSubset: "0%" });
    expect(clean).toMatchObject({ problems: [], packsRead: 0 });
    const treeGets = gets.length; // packs of tree blobs, read while marking
    const [gone, cut] = (await collect(inner.list("data/"))).map((e) => e.key);
    await inner.delete(gone!);
    await inner.put(cut!, (await inner.getBuffer(cut!)).subarray(0, 10));
    gets.length = 0;
    const { problems } = await verifyRepository({ store, keys: null, readDataSubset: "0%" });
    expect(problems).toContainEqual(expect.objectContaining({ pack: gone, message: "pack is missing" }));
    expect(problems).toContainEqual(
      expect.objectContaining({ pack: cut, message: expect.stringMatching(/^pack has 10 bytes, the index records/) }),
    );
    expect(gets.length).toBeLessThanOrEqual(treeGets);
  });
});
