// openRepository on a format-2 repository: the Repository interface over it (selected reads fetch
// only the packs needed, deleteSnapshot leaves the blobs to prune, verify names damage), a new
// repository opened with format 2, and a formatVersion of neither format refused naming it.
import { describe, expect, inject, it } from "vitest";
import { RepositoryFormatError } from "../errors.js";
import { openRepository } from "../snapshot/repository.js";
import { pathFor, snapshotManifestKey } from "../snapshot/layout.js";
import type { ObjectStore } from "../stores/object-store.js";
import { collect, wrapStore } from "../test-support.js";
import { BlobSource } from "./blob-source.js";
import { loadBlobIndex } from "./index-loader.js";
import { packKey } from "./layout.js";
import { openFormat2Repository } from "./repository.js";
import { readManifestV2 } from "./snapshot-reader.js";
import { walkTree } from "./tree-walker.js";
import { clusterObjects, draftV2, PRUNE_IDS, pruneInput, testStores, writeForgottenMiddle } from "./test-support.js";

const env = inject("testenv");
const { localStore } = testStores(env, "kubedump-f2-as-repository", "asrepo");
const [FIRST, , LAST] = PRUNE_IDS as [string, string, string];

/** A local store with the three snapshots of writeForgottenMiddle and a format-2 repository.json. */
async function format2Store(): Promise<ObjectStore> {
  const store = localStore();
  const config = { formatVersion: 2, created: "2026-12-01T00:00:00.000Z", encryption: null };
  await store.put("repository.json", Buffer.from(JSON.stringify(config)));
  return store;
}

/** The store, and the pack and index file keys fetched through it. */
function countingGets(inner: ObjectStore): { store: ObjectStore; packsRead: string[]; indexesRead: string[] } {
  const packsRead: string[] = [];
  const indexesRead: string[] = [];
  const store = wrapStore(inner, {
    getBuffer(key, limit) {
      if (key.startsWith("data/")) packsRead.push(key);
      if (key.startsWith("index/")) indexesRead.push(key);
      return inner.getBuffer(key, limit);
    },
  });
  return { store, packsRead, indexesRead };
}

describe("the Repository interface over a format-2 repository", () => {
  it("lists, reads and downloads what the format-2 writer stored", async () => {
    const store = await format2Store();
    const kept = await writeForgottenMiddle(store, null);
    const repository = await openRepository({ store });
    expect(repository.encrypted).toBe(false);
    const snapshots = await repository.listSnapshots();
    expect(snapshots.map((s) => [s.id, s.formatVersion, s.objects])).toEqual([
      [FIRST, 2, 400],
      [LAST, 2, 400],
    ]);
    const records = await collect(repository.readIndex(LAST));
    expect(records.map((r) => r.sha256).sort()).toEqual(
      kept
        .get(LAST)
        ?.map((o) => o.record.sha256)
        .sort(),
    );
    expect(await repository.listUnfinished()).toEqual([]);
    expect((await repository.checkStored(LAST)).ok).toBe(true);
  });

  it("reads selected objects from only the packs holding them, each checked against its record", async () => {
    const inner = await format2Store();
    await writeForgottenMiddle(inner, null);
    const { store, packsRead } = countingGets(inner);
    const repository = await openRepository({ store });
    const records = await collect(repository.readIndex(LAST));
    const allParts = new Set(records.map((r) => r.part));
    const wanted = records.filter((r) => r.part === 0).slice(0, 3);
    packsRead.length = 0;
    const read = await collect(repository.readObjects(LAST, { objects: wanted }));
    expect(read.map((o) => o.path).sort()).toEqual(wanted.map((r) => r.path).sort());
    expect(allParts.size).toBeGreaterThan(1);
    expect(new Set(packsRead).size).toBeLessThan(allParts.size);
    const forged = [{ ...(wanted[0] as (typeof wanted)[0]), sha256: "0".repeat(64) }];
    await expect(collect(repository.readObjects(LAST, { objects: forged }))).rejects.toThrow(
      /does not match the sha256 the index records/,
    );
  });

  it("reads a snapshot part after part with one index load and one tree walk, as a restore does", async () => {
    const inner = await format2Store();
    const kept = await writeForgottenMiddle(inner, null);
    const { store, indexesRead, packsRead } = countingGets(inner);
    const repository = await openRepository({ store });
    const parts = [...new Set((await collect(repository.readIndex(LAST))).map((r) => r.part))];
    const [indexes, packs] = [indexesRead.length, packsRead.length];
    const read: string[] = [];
    for (const part of parts)
      for await (const object of repository.readObjects(LAST, { parts: [part] })) read.push(object.path);
    expect(read.sort()).toEqual(
      kept
        .get(LAST)
        ?.map((o) => pathFor(o.record))
        .sort(),
    );
    expect(indexesRead.length).toBe(indexes);
    expect(packsRead.length - packs).toBe(parts.length);
  });

  it("verifies a snapshot reading each pack of its objects once, and no pack only a forgotten snapshot used", async () => {
    const inner = await format2Store();
    await writeForgottenMiddle(inner, null);
    const { index } = await loadBlobIndex({ store: inner, keys: null });
    const source = new BlobSource({ store: inner, keys: null, index });
    const packsOf = async (id: string) => {
      const records = await walkTree(source, await readManifestV2({ store: inner }, id));
      return new Set(records.map((r) => packKey(index.get(r.blob)?.pack ?? "")));
    };
    const own = await packsOf(LAST);
    const first = await packsOf(FIRST);
    // The forgotten middle snapshot's changed objects: in packs no snapshot uses.
    const middle = pruneInput(1).map((o) => packKey(index.get(o.record.sha256)?.pack ?? ""));
    const others = [...new Set(middle)].filter((key) => !own.has(key) && !first.has(key));
    const { store, packsRead } = countingGets(inner);
    const report = await (await openRepository({ store })).verify(LAST);
    expect(report).toMatchObject({ ok: true, parts: own.size, objects: 400, objectsOk: 400 });
    expect(packsRead.filter((key) => own.has(key)).sort()).toEqual([...own].sort());
    expect(others.length).toBeGreaterThan(0);
    expect(packsRead.filter((key) => others.includes(key))).toEqual([]);
  });

  it("verifies a snapshot alone for a restore: a pack no snapshot uses is not its problem, its own damaged pack is", async () => {
    const store = await format2Store();
    await writeForgottenMiddle(store, null);
    const { index } = await loadBlobIndex({ store, keys: null });
    const own = new Set(
      (await walkTree(new BlobSource({ store, keys: null, index }), await readManifestV2({ store }, LAST))).map((r) =>
        packKey(index.get(r.blob)?.pack ?? ""),
      ),
    );
    const first = await walkTree(new BlobSource({ store, keys: null, index }), await readManifestV2({ store }, FIRST));
    const firstPacks = new Set(first.map((r) => packKey(index.get(r.blob)?.pack ?? "")));
    const unused = pruneInput(1)
      .map((o) => packKey(index.get(o.record.sha256)?.pack ?? ""))
      .find((key) => !own.has(key) && !firstPacks.has(key));
    expect(unused).toBeDefined();
    await store.delete(unused as string);
    const repository = await openRepository({ store });
    const whole = await repository.verify(LAST);
    expect(whole.ok).toBe(false);
    expect(whole.problems.join("\n")).toMatch(/pack is missing/);
    expect(await repository.verify(LAST, { snapshotOnly: true })).toMatchObject({ ok: true, objectsOk: 400 });

    const [key] = [...own].sort();
    const data = await store.getBuffer(key as string, 1 << 30);
    data[data.length - 40] = (data[data.length - 40] ?? 0) ^ 0xff;
    await store.put(key as string, data);
    const alone = await repository.verify(LAST, { snapshotOnly: true });
    expect(alone.ok).toBe(false);
    expect(alone.problems.join("\n")).toContain((key as string).split("/").pop());
  });

  it("deletes only snapshot.json, and verify names a damaged pack", async () => {
    const store = await format2Store();
    await writeForgottenMiddle(store, null);
    const repository = await openRepository({ store });
    const packs = (await collect(store.list("data/"))).length;
    const deleted = await repository.deleteSnapshot(FIRST);
    expect(deleted.keys).toBe(1);
    expect(await store.stat(snapshotManifestKey(FIRST))).toBeUndefined();
    expect((await collect(store.list("data/"))).length).toBe(packs);
    expect((await repository.verify(LAST)).ok).toBe(true);
    const [{ key } = { key: "" }] = await collect(store.list("data/"));
    const data = await store.getBuffer(key, 1 << 30);
    data[data.length - 40] = (data[data.length - 40] ?? 0) ^ 0xff;
    await store.put(key, data);
    const report = await repository.verify(LAST);
    expect(report.ok).toBe(false);
    expect(report.problems.join("\n")).toContain(key.split("/").pop());
  });

  it("creates a new repository as format 2 when asked, and an existing one's format wins", async () => {
    const store = localStore();
    const created = await openRepository({ store, format: 2, password: "secret", kdf: { N: 1024 } });
    expect(created.encrypted).toBe(true);
    const format2 = await openFormat2Repository({ store, password: "secret", kdf: { N: 1024 } });
    await format2.writeSnapshot(draftV2(FIRST), clusterObjects(20, 2));
    const reopened = await openRepository({ store, password: "secret", format: 1 });
    expect((await reopened.getSnapshot(FIRST)).formatVersion).toBe(2);
    expect((await collect(reopened.readObjects(FIRST))).length).toBe(20);
  });

  it("lists a format-1 snapshot in a format-2 repository as unreadable, saying what converts it", async () => {
    const store = await format2Store();
    const id = "20261101T010000Z-00000001";
    await store.put(snapshotManifestKey(id), Buffer.from(JSON.stringify({ formatVersion: 1, id })));
    const { snapshots, unreadable } = await (await openRepository({ store })).scanSnapshots();
    expect(snapshots).toEqual([]);
    expect(unreadable.map((u) => [u.id, u.key])).toEqual([[id, snapshotManifestKey(id)]]);
    expect(unreadable[0]?.error.message).toContain("kubedump migrate-repository");
  });

  it("refuses a formatVersion of neither format, naming it", async () => {
    const store = localStore();
    await store.put("repository.json", Buffer.from('{"formatVersion": 3, "created": "2026-12-01T00:00:00Z"}'));
    const error = await openRepository({ store }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RepositoryFormatError);
    expect((error as Error).message).toMatch(/repository\.json.*formatVersion 3/);
  });
});
