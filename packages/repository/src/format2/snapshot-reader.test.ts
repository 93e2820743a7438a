import { describe, expect, it } from "vitest";
import { IntegrityError, RepositoryFormatError, SnapshotExistsError, UnsafePathError } from "../errors.js";
import { snapshotManifestKey } from "../snapshot/layout.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import type { PathAndData, PathsAndBlobs } from "../snapshot/types.js";
import { collect, wrapStore } from "../test-support.js";
import { BlobIndex, type BlobLocation } from "./blob-index.js";
import { type CanonicalValue, canonicalJson } from "./canonical-json.js";
import { loadBlobIndex } from "./index-loader.js";
import { blobId } from "./keys.js";
import type { SnapshotManifestV2 } from "./manifest.js";
import { byPlace } from "./pack-format.js";
import { readPack } from "./pack-reader.js";
import { PackWriter } from "./pack-writer.js";
import { readIndexRecordsV2, readManifestV2, readSnapshotObjectsV2, SnapshotReaderV2 } from "./snapshot-reader.js";
import { writeSnapshotV2 } from "./snapshot-writer.js";
import { clusterObjects, deploymentYaml, draftV2, inputObject, KEY_CASES, testDirectory } from "./test-support.js";

const inTmp = testDirectory("reader");
const ID = "20261126T020000Z-00000001";
let n = 0;
const newStore = () => createLocalObjectStore({ root: inTmp(`s${n++}`) });

describe.each(KEY_CASES)("format 2 snapshot reader (%s)", (_, keys) => {
  it("gives back every object byte for byte and every record, part by part", async () => {
    const store = newStore();
    const input = clusterObjects(300, 3);
    const written = await writeSnapshotV2(
      { store, keys, index: new BlobIndex(), packTargetBytes: 16 * 1024, packFrameBytes: 8 * 1024 },
      draftV2(ID),
      input,
    );
    const manifest = await readManifestV2({ store }, ID);
    expect(manifest).toEqual(written);
    expect(manifest).toMatchObject({
      formatVersion: 2,
      objects: 300,
      counts: { "deployments.apps": 294, "clusterroles.rbac.authorization.k8s.io": 6 },
    });
    const { index } = await loadBlobIndex({ store, keys });
    const records = await collect(readIndexRecordsV2({ store, keys, index }, manifest));
    const objects = await collect(readSnapshotObjectsV2({ store, keys, index }, manifest));
    const byPath = new Map(objects.map((o) => [o.path, o]));
    for (const { record, data } of input) {
      const read = records.find((r) => r.name === record.name && r.namespace === record.namespace);
      expect(read).toMatchObject(record);
      expect(byPath.get(read?.path ?? "")?.data.equals(data)).toBe(true);
      expect(byPath.get(read?.path ?? "")?.part).toBe(read?.part);
    }
    const parts = new Set(records.map((r) => r.part));
    expect(parts.size).toBeGreaterThan(1);
    const partZero = await collect(readSnapshotObjectsV2({ store, keys, index }, manifest, [0]));
    expect(partZero.length).toBe(records.filter((r) => r.part === 0).length);
  });

  it("reads every object first (paths and places only), then the records and a part, with one reader", async () => {
    const store = newStore();
    const input = clusterObjects(120, 2);
    await writeSnapshotV2(
      { store, keys, index: new BlobIndex(), packTargetBytes: 8 * 1024, packFrameBytes: 4 * 1024 },
      draftV2(ID),
      input,
    );
    const manifest = await readManifestV2({ store }, ID);
    const { index } = await loadBlobIndex({ store, keys });
    const reader = new SnapshotReaderV2({ store, keys, index }, manifest);
    const all = await collect(reader.objects());
    const records = await collect(reader.indexRecords());
    expect(all.map((o) => [o.path, o.part]).sort()).toEqual(records.map((r) => [r.path, r.part]).sort());
    const last = Math.max(...records.map((r) => r.part));
    expect(last).toBeGreaterThan(0);
    const inLast = await collect(reader.objects([last]));
    expect(inLast.map((o) => o.path).sort()).toEqual(
      records
        .filter((r) => r.part === last)
        .map((r) => r.path)
        .sort(),
    );
    for (const o of inLast)
      expect(o.data.equals(all.find((a) => a.path === o.path)?.data ?? Buffer.alloc(0))).toBe(true);
  });
});

describe("format 2 snapshot writer refuses bad input", () => {
  it.each([
    ["a wrong sha256", { sha256: "0".repeat(64) }, /deployments.apps "web-0" in namespace prod: sha256 or bytes/],
    ["a name that is no path segment", { name: ".." }, /invalid name/],
  ])("%s, naming the object", async (_, change, message) => {
    const object = inputObject(
      { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespace: "prod", name: "web-0" },
      deploymentYaml("prod", "web-0"),
    );
    const bad = { ...object, record: { ...object.record, ...change } };
    await expect(
      writeSnapshotV2({ store: newStore(), keys: null, index: new BlobIndex() }, draftV2(ID), [bad]),
    ).rejects.toThrow(message);
  });

  it("refuses a snapshot id already committed", async () => {
    const store = newStore();
    await writeSnapshotV2({ store, keys: null, index: new BlobIndex() }, draftV2(ID), clusterObjects(3, 1));
    await expect(writeSnapshotV2({ store, keys: null, index: new BlobIndex() }, draftV2(ID), [])).rejects.toThrow(
      SnapshotExistsError,
    );
  });
});

/** A snapshot whose tree is built by hand: `objectName`, `namespace` of the type node, objects in snapshot.json. */
async function forged(options: { objectName?: string; typeNamespace?: string; objects?: number; blob?: string }) {
  const store = newStore();
  const index = new BlobIndex();
  const packs = new PackWriter({ store, keys: null, index });
  const yaml = deploymentYaml("prod", "web");
  const blob = options.blob ?? (await packs.add("data", yaml));
  const add = (node: object) => packs.add("tree", canonicalJson(node as CanonicalValue));
  const object = {
    name: options.objectName ?? "web",
    blob,
    version: "v1",
    kind: "Deployment",
    uid: "u",
    sha256: blob,
    bytes: yaml.length,
  };
  const chunk = await add({ kind: "objects", objects: [object] });
  const type = await add({
    kind: "type",
    group: "apps",
    resource: "deployments",
    namespace: options.typeNamespace ?? "prod",
    chunks: [{ first: object.name, objects: 1, tree: chunk }],
  });
  const ns = await add({ kind: "namespace", name: "prod", types: [{ name: "deployments.apps", tree: type }] });
  const tree = await add({ kind: "root", cluster: [], namespaces: [{ name: "prod", tree: ns }] });
  await packs.finish();
  const manifest = {
    ...draftV2(ID),
    formatVersion: 2,
    counts: {},
    objects: options.objects ?? 1,
    bytes: 1,
    storedBytes: 1,
    tree,
    indexes: [],
    added: { blobs: 0, packs: 0 },
  };
  await store.put(snapshotManifestKey(ID), Buffer.from(JSON.stringify(manifest)));
  return { store, index, manifest: manifest as SnapshotManifestV2 };
}

/** A streamed read's objects one at a time. */
async function* each(batches: AsyncIterable<PathsAndBlobs> | PathsAndBlobs[]): AsyncGenerator<PathAndData> {
  for await (const { paths, blobs } of batches)
    for (const [i, path] of paths.entries()) yield { path, data: blobs[i] as Buffer };
}

describe.each(KEY_CASES)("format 2 streamed read of every object (%s)", (_, keys) => {
  /** Snapshot ID of 600 objects, then SECOND with 60 changed and 30 gone: a patch on its tree. */
  const SECOND = "20261126T030000Z-00000002";
  const SMALL_PACKS = { packTargetBytes: 16 * 1024, packFrameBytes: 4 * 1024 };
  async function twoSnapshots(small: { packTargetBytes?: number; packFrameBytes?: number } = SMALL_PACKS) {
    const store = newStore();
    await writeSnapshotV2({ store, keys, index: new BlobIndex(), ...small }, draftV2(ID), clusterObjects(600, 4));
    const changed = new Set(Array.from({ length: 60 }, (_, i) => i * 7));
    const input = clusterObjects(600, 4, changed).filter((_, i) => i % 20 !== 3);
    const { index } = await loadBlobIndex({ store, keys });
    await writeSnapshotV2({ store, keys, index, ...small }, draftV2(SECOND), input);
    const manifest = await readManifestV2({ store }, SECOND);
    return { store, input, manifest, index: (await loadBlobIndex({ store, keys })).index };
  }

  it.each([1, 7, 64, 4096])(
    "gives the objects of a patched tree, byte for byte, each once, %i a window",
    async (window) => {
      const { store, input, manifest, index } = await twoSnapshots();
      const reader = new SnapshotReaderV2({ store, keys, index, threadSliceBytes: 8 * 1024 }, manifest);
      const batches = await collect(reader.everyObject(window));
      // a slice decoded on the frame thread is owned: its blobs lie in one buffer, its own
      const owned = batches.filter((b) => b.owned);
      expect(owned.length).toBeGreaterThan(0);
      const buffers = owned.map((b) => b.blobs[0]?.buffer);
      expect(new Set(buffers).size).toBe(owned.length);
      for (const b of owned) {
        expect(b.blobs[0]?.buffer).toBeInstanceOf(ArrayBuffer); // what writeTree moves (transfers), not copies
        for (const blob of b.blobs) expect(blob.buffer).toBe(b.blobs[0]?.buffer);
      }
      const got = await collect(each(batches));
      expect(got.length).toBe(input.length);
      const byPath = new Map(got.map((o) => [o.path, o.data]));
      expect(byPath.size).toBe(input.length);
      const records = await collect(reader.indexRecords());
      expect(records[0]).toBeDefined();
      for (const record of records) {
        const wanted = input.find((o) => o.record.name === record.name && o.record.namespace === record.namespace);
        expect(byPath.get(record.path)?.equals(wanted?.data ?? Buffer.alloc(0)), record.path).toBe(true);
      }
    },
  );

  it.each([64, 4096])(
    "gives the objects whose YAML lies in the patch's pack last, in pack order (%i a window)",
    async (window) => {
      // packs of the default size: the second snapshot's changed objects share a pack with its patch
      const { store, input, manifest, index } = await twoSnapshots({ packFrameBytes: 4 * 1024 });
      const patchPack = index.get(manifest.tree)?.pack;
      expect(index.get(manifest.tree)?.type).toBe("tree");
      const got = await collect(each(new SnapshotReaderV2({ store, keys, index }, manifest).everyObject(window)));
      expect(got.length).toBe(input.length);
      const locations = got.map(({ data }) => index.get(blobId(keys, data)));
      const inPatchPack = locations.flatMap((l, i) => (l?.pack === patchPack ? [i] : []));
      expect(inPatchPack.length).toBeGreaterThan(30); // most of the 60 changed objects
      // all of them after every other object, one after another in the pack's order
      expect(inPatchPack).toEqual(Array.from(inPatchPack, (_, k) => got.length - inPatchPack.length + k));
      const places = inPatchPack.map((i) => locations[i] as BlobLocation);
      expect(places).toEqual([...places].sort(byPlace));
    },
  );

  it("gives the objects it holds back once it holds heldBackMost of them, in pack order, and every object once", async () => {
    // 6,000 objects, a tenth changed: the walk's batches of chunk nodes (STREAM_CHUNKS) hold some
    // hundreds of the patch pack's objects each, over heldBackMost (64)
    const store = newStore();
    await writeSnapshotV2({ store, keys, index: new BlobIndex() }, draftV2(ID), clusterObjects(6000, 4));
    const changed = new Set(Array.from({ length: 600 }, (_, i) => i * 10));
    const input = clusterObjects(6000, 4, changed);
    await writeSnapshotV2({ store, keys, index: (await loadBlobIndex({ store, keys })).index }, draftV2(SECOND), input);
    const manifest = await readManifestV2({ store }, SECOND);
    const { index } = await loadBlobIndex({ store, keys });
    const patchPack = index.get(manifest.tree)?.pack;
    expect(index.get(manifest.tree)?.type).toBe("tree");
    const got = await collect(each(new SnapshotReaderV2({ store, keys, index }, manifest).everyObject(64, 64)));
    expect(new Set(got.map((o) => o.path)).size).toBe(input.length);
    expect(got.length).toBe(input.length);
    const locations = got.map(({ data }) => index.get(blobId(keys, data)));
    const inPatchPack = locations.flatMap((l, i) => (l?.pack === patchPack ? [i] : []));
    const others = locations.flatMap((l, i) => (l?.pack === patchPack ? [] : [i]));
    expect(inPatchPack[0]).toBeLessThan(others.at(-1) as number); // given while the walk went on
    // in runs of 64 or more (the last may be fewer), each in the pack's order
    const runs: number[][] = [];
    for (const i of inPatchPack) {
      const run = runs.at(-1);
      if (run && run.at(-1) === i - 1) run.push(i);
      else runs.push([i]);
    }
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs.slice(0, -1)) expect(run.length).toBeGreaterThanOrEqual(64);
    expect(runs.flat().length).toBeGreaterThan(500); // most of the 600 changed objects
    for (const run of runs) {
      const places = run.map((i) => locations[i] as BlobLocation);
      expect(places).toEqual([...places].sort(byPlace));
    }
  });

  it("holds the walk while the reader takes no objects, and stops it when the reader stops", async () => {
    const store = newStore();
    const input = clusterObjects(5000, 3); // over STREAM_CHUNKS chunk nodes: the walk pauses between batches
    const small = { packTargetBytes: 32 * 1024, packFrameBytes: 4 * 1024 };
    await writeSnapshotV2({ store, keys, index: new BlobIndex(), ...small }, draftV2(ID), input);
    const manifest = await readManifestV2({ store }, ID);
    const { index } = await loadBlobIndex({ store, keys });
    const treePacks = new Set<string>();
    for await (const { key } of store.list("data/")) {
      const pack = await readPack({ store, keys }, key.slice(key.lastIndexOf("/") + 1));
      if (pack.entries.every((e) => e.type === "tree")) treePacks.add(key);
    }
    expect(treePacks.size).toBeGreaterThan(2);
    const read: string[] = [];
    const counting = wrapStore(store, {
      getBuffer: (key, limit) => {
        read.push(key);
        return store.getBuffer(key, limit);
      },
      getRange: (key, offset, length) => {
        read.push(key);
        return (store.getRange as NonNullable<typeof store.getRange>)(key, offset, length);
      },
    });
    /** How many reads were made once none has been for 100 ms. */
    const settled = async () => {
      let before = -1;
      while (before !== read.length) {
        before = read.length;
        await new Promise((r) => setTimeout(r, 100));
      }
      return read.length;
    };
    const deps = { store: counting, keys, index, keptPackBytes: 1 }; // no tree pack kept: each read again when walked
    const objects = each(new SnapshotReaderV2(deps, manifest).everyObject(8));
    const got: string[] = [];
    for (let i = 0; i < 8; i++) got.push(((await objects.next()).value as { path: string }).path);
    await settled();
    const treeWhileHeld = new Set(read.filter((key) => treePacks.has(key)));
    expect(treeWhileHeld.size).toBeGreaterThan(0);
    expect(treeWhileHeld.size).toBeLessThan(treePacks.size); // the walk waits for the reader
    for (let next = await objects.next(); !next.done; next = await objects.next()) {
      got.push(next.value.path);
      if (got.length === 2500) break;
    }
    const atStop = read.length;
    await objects.return(undefined);
    expect(await settled()).toBe(atStop); // nothing read once the reader stopped
    expect(new Set(got).size).toBe(2500);
    read.length = 0;
    const all = await collect(each(new SnapshotReaderV2(deps, manifest).everyObject(8)));
    expect(new Set(all.map((o) => o.path)).size).toBe(5000);
    expect(new Set(read.filter((key) => treePacks.has(key))).size).toBe(treePacks.size);
  });

  it("fails on a blob that does not match its id, naming its pack", async () => {
    const { store, manifest, index } = await twoSnapshots();
    // every pack of data blobs alone damaged in its first frame: the read fails wherever it starts
    const packs: string[] = [];
    for (const { key } of await collect(store.list("data/"))) {
      const pack = await readPack({ store, keys }, key.slice(key.lastIndexOf("/") + 1));
      if (pack.entries.some((e) => e.type === "tree")) continue;
      const data = Buffer.from(pack.data);
      const at = (pack.entries[0]?.offset ?? 0) + 8;
      data[at] = (data[at] as number) ^ 0xff;
      await store.put(key, data);
      packs.push(key);
    }
    expect(packs.length).toBeGreaterThan(1);
    const thrown = await collect(new SnapshotReaderV2({ store, keys, index }, manifest).everyObject(64)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(thrown).toBeInstanceOf(IntegrityError);
    expect(packs).toContain((thrown as IntegrityError).key);
  });
});

describe("format 2 snapshot reader refuses a hostile tree", () => {
  it.each([
    ["an object name that climbs out", { objectName: ".." }, UnsafePathError],
    ["a type node of another namespace", { typeNamespace: "kube-system" }, RepositoryFormatError],
    ["more objects than snapshot.json counts", { objects: 0 }, IntegrityError],
    ["fewer objects than snapshot.json counts", { objects: 2 }, IntegrityError],
    ["a blob no index file lists", { blob: "ab".repeat(32) }, IntegrityError],
  ])("%s", async (_, options, error) => {
    const { store, index, manifest } = await forged(options);
    await expect(collect(readSnapshotObjectsV2({ store, keys: null, index }, manifest))).rejects.toThrow(error);
    const streamed = each(new SnapshotReaderV2({ store, keys: null, index }, manifest).everyObject());
    await expect(collect(streamed)).rejects.toThrow(error);
  });

  it("reads the forged snapshot when nothing is wrong with it", async () => {
    const { store, index, manifest } = await forged({});
    expect((await collect(readSnapshotObjectsV2({ store, keys: null, index }, manifest))).map((o) => o.path)).toEqual([
      "namespaces/prod/deployments.apps/web.yaml",
    ]);
    const streamed = each(new SnapshotReaderV2({ store, keys: null, index }, manifest).everyObject());
    expect((await collect(streamed)).map((o) => o.path)).toEqual(["namespaces/prod/deployments.apps/web.yaml"]);
  });
});
