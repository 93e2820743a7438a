// A second snapshot whose reuse table holds its base's tree (base-changes.ts) stores the tree
// patch made from its changes alone, and that patch is the one a writer that reads the base tree
// makes: same tree id, same objects. A table of another snapshot than the base is not used. On
// local directories: no server needed.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { snapshotManifestKey } from "../snapshot/layout.js";
import { MAX_JSON_BYTES } from "../snapshot/read-limits.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import { wrapStore } from "../test-support.js";
import { BlobSource } from "./blob-source.js";
import { loadBlobIndex } from "./index-loader.js";
import type { Format2Keys } from "./keys.js";
import { decodeManifestV2 } from "./manifest.js";
import { ReuseTable } from "./reuse-table.js";
import { type SnapshotInputObject, SnapshotWriterV2 } from "./snapshot-writer.js";
import { clusterObjects, deploymentYaml, draftV2, inputObject, TEST_KEYS, testDirectory } from "./test-support.js";
import { decodeTopNode } from "./tree-nodes.js";
import { readTree } from "./tree-walker.js";

const inTmp = testDirectory("base-changes");
let n = 0;

const KEY = "reuse key";
const IDS = [
  "20261126T020000Z-00000001",
  "20261126T030000Z-00000001",
  "20261126T040000Z-00000001",
  "20261126T050000Z-00000001",
];
const withRv = (objects: SnapshotInputObject[], rv: (i: number) => string) =>
  objects.map((o, i) => ({ ...o, record: { ...o.record }, resourceVersion: rv(i) }));

/** A repository on a local directory, and a writer into it that uses (or not) a cache directory. */
function repository(keys: Format2Keys | null) {
  const root = inTmp(`repo-${n++}`);
  const inner = createLocalObjectStore({ root: join(root, "store") });
  const reads = { packs: 0 };
  const store = wrapStore(inner, {
    getBuffer: (key, maxBytes) => {
      if (key.startsWith("data/")) reads.packs++;
      return inner.getBuffer(key, maxBytes);
    },
    getRange: (key, offset, length) => {
      reads.packs++; // frames read alone (BlobSource)
      return inner.getRange(key, offset, length);
    },
  });
  const cacheDir = join(root, "cache");
  return {
    store,
    reads,
    cacheDir,
    async writer(cache: boolean) {
      const { index } = await loadBlobIndex({ store, keys, cacheDir: cache ? cacheDir : undefined });
      const table = cache ? await ReuseTable.load({ cacheDir, keys, key: KEY }, index) : ReuseTable.empty();
      return new SnapshotWriterV2({
        store,
        keys,
        index,
        indexCacheDir: cache ? cacheDir : undefined,
        reuse: cache ? { key: KEY, table } : undefined,
      });
    },
    async records({ id }: { id: string }) {
      const { index } = await loadBlobIndex({ store, keys });
      const full = decodeManifestV2(id, await store.getBuffer(snapshotManifestKey(id), MAX_JSON_BYTES));
      const source = new BlobSource({ store, keys, index });
      return {
        tree: await readTree(source, full),
        top: decodeTopNode("top", await source.blob("t", full.tree, "tree")),
      };
    },
  };
}

/** Writes `objects` as a second backup would: unchanged ones reused from the table, the others added. */
async function second(writer: SnapshotWriterV2, objects: SnapshotInputObject[]) {
  let reused = 0;
  for (const object of objects) {
    const found = writer.findReusable(object.record, object.resourceVersion ?? "");
    if (found && object.resourceVersion) {
      reused++;
      writer.addReused([
        { record: object.record, blob: found.blob, resourceVersion: object.resourceVersion, entry: found.entry },
      ]);
    } else await writer.add([object]);
  }
  return reused;
}

const first = () => withRv(clusterObjects(400, 4), (i) => `${i}`);

/** The first snapshot's objects, 4 of them changed, 2 gone, one created anew, one new. */
function changed(): SnapshotInputObject[] {
  const objects = withRv(clusterObjects(400, 4, new Set([3, 77, 150, 351])), (i) =>
    [3, 77, 150, 351].includes(i) ? `${i}-2` : `${i}`,
  );
  const kept = objects.filter((_, i) => i !== 10 && i !== 199);
  const renewed = kept.findIndex((o) => o.record.name === "web-20");
  const anew = inputObject({ ...(kept[renewed] as SnapshotInputObject).record }, deploymentYaml("team-0", "web-20", 5));
  anew.record.uid = "a-new-uid";
  kept[renewed] = { ...anew, resourceVersion: "900" };
  const added = inputObject(
    { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespace: "team-9", name: "new" },
    deploymentYaml("team-9", "new"),
  );
  return [...kept, { ...added, resourceVersion: "901" }];
}

describe.each([
  ["unencrypted", null],
  ["encrypted", TEST_KEYS],
] as const)("a tree patch from the changes alone (%s)", (_name, keys) => {
  it("is the patch a writer reading the base tree makes", async () => {
    const [cached, read] = [repository(keys), repository(keys)];
    for (const repo of [cached, read]) {
      const writer = await repo.writer(true);
      await writer.add(first());
      await writer.commit(draftV2(IDS[0] as string));
    }
    const fast = await cached.writer(true);
    expect(fast.reusable).toBe(400);
    const reused = await second(fast, changed());
    cached.reads.packs = 0;
    const got = await fast.commit(draftV2(IDS[1] as string));
    const slow = await read.writer(false);
    await slow.add(changed());
    read.reads.packs = 0;
    const want = await slow.commit(draftV2(IDS[1] as string));

    expect(reused).toBe(393);
    expect(cached.reads.packs).toBe(0); // no base tree read
    expect(read.reads.packs).toBeGreaterThan(0);
    expect(got.tree).toBe(want.tree);
    const back = await cached.records(got);
    expect(back.top).toMatchObject({ kind: "patch", depth: 1, objects: 399 });
    expect(back.tree.records).toEqual((await read.records(want)).tree.records);

    // the third, nothing changed: the second's tree again; its table held the second's tree
    const third = await cached.writer(true);
    await second(third, changed());
    expect((await third.commit(draftV2(IDS[2] as string))).tree).toBe(got.tree);
  });

  it("marks a reused object only when its entry holds the same owners, kind and name", async () => {
    const owner = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-rs", uid: "o1", controller: true };
    const owners = [owner];
    const withOwners = (objects: SnapshotInputObject[]) =>
      objects.map((o, i) => (i % 5 === 0 ? { ...o, record: { ...o.record, ownerReferences: owners } } : o));
    // the same uid and resourceVersion with other tree fields: never from a real server, but the
    // table must not hide it
    const other = () =>
      withOwners(first()).map((o, i) => {
        if (i === 5) return { ...o, record: { ...o.record, ownerReferences: [{ ...owner, name: "web-rs-2" }] } };
        if (i === 6) return { ...o, record: { ...o.record, ownerReferences: owners } };
        if (i === 10) return { ...o, record: { ...o.record, ownerReferences: undefined } };
        if (i === 12) return { ...o, record: { ...o.record, kind: "Other" } };
        return o;
      });
    const [cached, read] = [repository(keys), repository(keys)];
    for (const repo of [cached, read]) {
      const writer = await repo.writer(true);
      await writer.add(withOwners(first()));
      await writer.commit(draftV2(IDS[0] as string));
    }
    const fast = await cached.writer(true);
    expect(await second(fast, other())).toBe(400);
    cached.reads.packs = 0;
    const got = await fast.commit(draftV2(IDS[1] as string));
    const slow = await read.writer(false);
    await slow.add(other());
    const want = await slow.commit(draftV2(IDS[1] as string));

    expect(cached.reads.packs).toBe(0);
    expect(got.tree).toBe(want.tree);
    const back = await cached.records(got);
    expect(back.top).toMatchObject({ kind: "patch", depth: 1, objects: 400 });
    expect(back.tree.records).toEqual((await read.records(want)).tree.records);
  });

  it("chains as a writer reading the base does, depth and patched count carried by the table, to a whole tree", async () => {
    const [cached, read] = [repository(keys), repository(keys)];
    const hour = (h: number) => {
      const changedNow = new Set(Array.from({ length: 30 }, (_, k) => (h * 37 + k * 13) % 400));
      return withRv(clusterObjects(400, 4, changedNow), (i) => (changedNow.has(i) ? `${i}-${h}` : `${i}`));
    };
    const kinds: string[] = [];
    for (let h = 0; h < 16; h++) {
      const id = `20261126T${String(h).padStart(2, "0")}0000Z-00000001`;
      const fast = await cached.writer(true);
      await second(fast, hour(h));
      const got = await fast.commit(draftV2(id));
      const slow = await read.writer(false);
      await slow.add(hour(h));
      const want = await slow.commit(draftV2(id));
      expect(got.tree).toBe(want.tree);
      const top = (await cached.records(got)).top;
      kinds.push(top.kind === "patch" ? `patch ${top.depth}` : top.kind);
    }
    // 60 changes a patch (30 set back, 30 set anew): the chain stops when it would pass 400
    expect(kinds.slice(0, 8)).toEqual([
      "root",
      "patch 1",
      "patch 2",
      "patch 3",
      "patch 4",
      "patch 5",
      "patch 6",
      "root",
    ]);
  });

  it("is not made from a table of another snapshot than the base: the base tree is read", async () => {
    const repo = repository(keys);
    const writer = await repo.writer(true);
    await writer.add(first());
    await writer.commit(draftV2(IDS[0] as string));
    const other = await repo.writer(false); // a backup with no cache: the table is now stale
    await other.add(withRv(clusterObjects(400, 4, new Set([5, 6])), (i) => `${i}-other`));
    await other.commit(draftV2(IDS[1] as string));

    const stale = await repo.writer(true);
    expect(stale.reusable).toBe(400);
    await second(stale, changed());
    const got = await stale.commit(draftV2(IDS[2] as string));

    const fresh = repository(keys);
    for (const [id, objects] of [
      [IDS[0], first()],
      [IDS[1], withRv(clusterObjects(400, 4, new Set([5, 6])), (i) => `${i}-other`)],
      [IDS[2], changed()],
    ] as const) {
      const w = await fresh.writer(false);
      await w.add(objects);
      await w.commit(draftV2(id as string));
    }
    const want = (await fresh.records({ id: IDS[2] as string })).tree;
    const back = await repo.records(got);
    expect(back.tree.records).toEqual(want.records);
    expect(back.top).toMatchObject({ kind: "patch", depth: 2 }); // the other backup stored a patch of the first

    // the table it saved holds its tree, depth and patched count: the next patch is made from it
    const next = await repo.writer(true);
    await second(next, first());
    repo.reads.packs = 0;
    const after = await next.commit(draftV2(IDS[3] as string));
    expect(repo.reads.packs).toBe(0);
    const w = await fresh.writer(false);
    await w.add(first());
    expect(after.tree).toBe((await w.commit(draftV2(IDS[3] as string))).tree);
    expect((await repo.records(after)).top).toMatchObject({ kind: "patch", depth: 3 });
  });
});
