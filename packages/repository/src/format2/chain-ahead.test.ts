// A whole snapshot's reader fetches the packs of a patch chain at once (fetchChainAhead) while it
// reads the chain node after node: the same tree as without, the GETs overlapping, and a chain
// node whose pack is missing or damaged still refused, naming it. On local directories.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { IntegrityError, ObjectNotFoundError } from "../errors.js";
import { SNAPSHOTS_PREFIX, snapshotManifestKey } from "../snapshot/layout.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import type { ObjectStore } from "../stores/object-store.js";
import { collect, wrapStore } from "../test-support.js";
import { BlobIndex } from "./blob-index.js";
import { BlobSource } from "./blob-source.js";
import { earlierTrees, fetchChainAhead } from "./chain-ahead.js";
import { loadBlobIndex } from "./index-loader.js";
import { packKey } from "./layout.js";
import type { SnapshotManifestV2 } from "./manifest.js";
import { openFormat2Repository } from "./repository.js";
import { readIndexRecordsV2 } from "./snapshot-reader.js";
import { writeSnapshotV2 } from "./snapshot-writer.js";
import type { SnapshotInputObject } from "./snapshot-writer.js";
import { clusterObjects, deploymentYaml, draftV2, inputObject, testDirectory } from "./test-support.js";
import { decodeTopNode } from "./tree-nodes.js";
import { readTree } from "./tree-walker.js";

const inTmp = testDirectory("chain");
let stores = 0;
const idOf = (n: number) => `20261126T02${String(n).padStart(2, "0")}00Z-00000000`;
const HOURS = 6;

/** A whole snapshot, then HOURS snapshots each a patch of the one before: the manifests. */
async function chain(): Promise<{ store: ObjectStore; manifests: SnapshotManifestV2[] }> {
  const store = createLocalObjectStore({ root: inTmp(String(stores++)) });
  const manifests: SnapshotManifestV2[] = [];
  for (let n = 0; n <= HOURS; n++) {
    const { index } = await loadBlobIndex({ store, keys: null });
    const input = clusterObjects(200, 2, new Set(n === 0 ? [] : [n, n + 100]));
    manifests.push(await writeSnapshotV2({ store, keys: null, index }, draftV2(idOf(n)), input));
  }
  return { store, manifests };
}

/** `inner` with pack GETs (whole or ranged) that take 20 ms each, counting how many are in flight at most. */
function slowPacks(inner: ObjectStore) {
  const seen = { inFlight: 0, most: 0 };
  const slow = async <T>(key: string, read: () => Promise<T>): Promise<T> => {
    if (!key.startsWith("data/")) return read();
    seen.most = Math.max(seen.most, ++seen.inFlight);
    try {
      await sleep(20);
      return await read();
    } finally {
      seen.inFlight -= 1;
    }
  };
  const store = wrapStore(inner, {
    getBuffer: (key, maxBytes) => slow(key, () => inner.getBuffer(key, maxBytes)),
    getRange: (key, offset, length) =>
      slow(key, () => (inner.getRange as NonNullable<ObjectStore["getRange"]>)(key, offset, length)),
  });
  return { store, seen };
}

/** The pack holding the tree of `manifest` (its top node). */
async function treePack(store: ObjectStore, manifest: SnapshotManifestV2): Promise<string> {
  const { index } = await loadBlobIndex({ store, keys: null });
  return index.get(manifest.tree)?.pack as string;
}

/** `inner`, and each list, whole GET and range GET of it as "list <prefix>", "get <key>", "range <key>", in order. */
function recording(inner: ObjectStore): { store: ObjectStore; events: string[] } {
  const events: string[] = [];
  const store = wrapStore(inner, {
    list: (prefix) => {
      events.push(`list ${prefix}`);
      return inner.list(prefix);
    },
    getBuffer: (key, maxBytes) => {
      events.push(`get ${key}`);
      return inner.getBuffer(key, maxBytes);
    },
    getRange: (key, offset, length) => {
      events.push(`range ${key}`);
      return (inner.getRange as NonNullable<ObjectStore["getRange"]>)(key, offset, length);
    },
  });
  return { store, events };
}

describe("reading a patch chain with its packs fetched ahead", () => {
  it("reads the same tree as node after node, with the chain's GETs overlapping", async () => {
    const { store: inner, manifests } = await chain();
    const last = manifests.at(-1) as SnapshotManifestV2;
    const { index } = await loadBlobIndex({ store: inner, keys: null });
    const top = decodeTopNode(
      "top",
      await new BlobSource({ store: inner, keys: null, index }).blob("t", last.tree, "tree"),
    );
    expect(top).toMatchObject({ kind: "patch", depth: HOURS });

    const plain = slowPacks(inner);
    const nodeAfterNode = await readTree(new BlobSource({ store: plain.store, keys: null, index }), last);
    expect(plain.seen.most).toBe(1);
    const ahead = slowPacks(inner);
    const fetchedAhead = await readTree(new BlobSource({ store: ahead.store, keys: null, index }), last, {
      chainAhead: true,
    });

    expect(fetchedAhead).toEqual(nodeAfterNode);
    expect(fetchedAhead.depth).toBe(HOURS);
    expect(ahead.seen.most).toBeGreaterThan(1);
    const records = await collect(readIndexRecordsV2({ store: ahead.store, keys: null, index }, last));
    expect(records.map((r) => r.path)).toEqual(nodeAfterNode.records.map((r) => r.record.path));
  });

  it("reads a chain that adds, removes and adds back objects in the order of the whole tree", async () => {
    const deployment = (namespace: string, name: string) =>
      inputObject(
        { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespace, name },
        deploymentYaml(namespace, name),
      );
    const base = clusterObjects(200, 2);
    const hours: SnapshotInputObject[][] = [
      base,
      base.filter((_, i) => i !== 5 && i !== 6 && i !== 49), // two Deployments and a ClusterRole removed
      [...base.filter((_, i) => i !== 6 && i !== 49), deployment("aaa", "first"), deployment("team-0", "web-05a")],
      [...clusterObjects(200, 2, new Set([7, 8])).filter((_, i) => i !== 6), deployment("zzz", "last")],
      [...clusterObjects(200, 2, new Set([7, 8])), deployment("zzz", "last"), deployment("team-1", "a")],
    ];
    const store = createLocalObjectStore({ root: inTmp(String(stores++)) });
    const whole = createLocalObjectStore({ root: inTmp(String(stores++)) });
    let last: SnapshotManifestV2 | undefined;
    for (const [n, input] of hours.entries()) {
      const { index } = await loadBlobIndex({ store, keys: null });
      last = await writeSnapshotV2({ store, keys: null, index }, draftV2(idOf(n)), input);
    }
    const final = hours.at(-1) as SnapshotInputObject[];
    const expected = await writeSnapshotV2(
      { store: whole, keys: null, index: new BlobIndex() },
      draftV2(idOf(9)),
      final,
    );
    const read = async (s: ObjectStore, manifest: SnapshotManifestV2) => {
      const { index } = await loadBlobIndex({ store: s, keys: null });
      return readTree(new BlobSource({ store: s, keys: null, index }), manifest, { chainAhead: true });
    };

    const patched = await read(store, last as SnapshotManifestV2);

    expect(patched.depth).toBe(hours.length - 1);
    expect(patched.records.map((r) => r.record)).toEqual((await read(whole, expected)).records.map((r) => r.record));
  });

  it("fetches ahead the packs of the trees of the `depth` snapshots before it, newest first", async () => {
    const { store, manifests } = await chain();
    const { index } = await loadBlobIndex({ store, keys: null });
    const last = manifests.at(-1) as SnapshotManifestV2;
    const packsOf = (list: SnapshotManifestV2[]) => Promise.all(list.map((m) => treePack(store, m)));

    const trees = earlierTrees(store, last);
    const all = await fetchChainAhead(new BlobSource({ store, keys: null, index }), HOURS, trees);
    const two = await fetchChainAhead(new BlobSource({ store, keys: null, index }), 2, trees);

    expect(all).toEqual((await packsOf(manifests.slice(0, HOURS))).reverse());
    expect(two).toEqual((await packsOf(manifests.slice(HOURS - 2, HOURS))).reverse());
  });

  it("a repository's reader lists the earlier snapshots while it loads the index, before the top node's pack", async () => {
    const { store: inner, manifests } = await chain();
    const last = manifests.at(-1) as SnapshotManifestV2;
    const topKey = packKey(await treePack(inner, last));
    const { store, events } = recording(inner);
    const repository = await openFormat2Repository({ store });

    const records = await collect(repository.readIndex(last.id));

    expect(records).toHaveLength(200);
    const listed = events.indexOf(`list ${SNAPSHOTS_PREFIX}`);
    expect(listed).toBeGreaterThanOrEqual(0);
    expect(events.indexOf(`get ${topKey}`)).toBeGreaterThan(listed);
    // every earlier snapshot.json read once, for the chain (the reader's own once more)
    for (const m of manifests.slice(0, -1))
      expect(events.filter((e) => e === `get ${snapshotManifestKey(m.id)}`)).toHaveLength(1);
  });

  it("fetches the top node's pack whole, once, and no range of it", async () => {
    const { store: inner, manifests } = await chain();
    const last = manifests.at(-1) as SnapshotManifestV2;
    const topKey = packKey(await treePack(inner, last));
    const { store, events: reads } = recording(inner);
    const { index } = await loadBlobIndex({ store: inner, keys: null });

    const tree = await readTree(new BlobSource({ store, keys: null, index }), last, { chainAhead: true });
    const nodeAfterNode = await readTree(new BlobSource({ store: inner, keys: null, index }), last);

    expect(tree).toEqual(nodeAfterNode);
    expect(reads.filter((r) => r.endsWith(topKey))).toEqual([`get ${topKey}`]);
  });

  it("ignores a damaged snapshot.json before the snapshot: the chain is read node after node there", async () => {
    const { store, manifests } = await chain();
    await store.put(snapshotManifestKey(idOf(3)), Buffer.from("{not json"));
    const { index } = await loadBlobIndex({ store, keys: null });
    const last = manifests.at(-1) as SnapshotManifestV2;

    const back = await readTree(new BlobSource({ store, keys: null, index }), last, { chainAhead: true });

    expect(back.depth).toBe(HOURS);
    expect(back.records).toHaveLength(200);
  });

  it("refuses a chain whose middle patch's pack is missing, naming the pack", async () => {
    const { store, manifests } = await chain();
    const middle = await treePack(store, manifests[3] as SnapshotManifestV2);
    const { index } = await loadBlobIndex({ store, keys: null });
    await store.delete(packKey(middle));

    const read = collect(readIndexRecordsV2({ store, keys: null, index }, manifests.at(-1) as SnapshotManifestV2));

    await expect(read).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(read).rejects.toThrow(packKey(middle));
  });

  it("refuses a chain whose middle patch's pack is damaged, naming the pack", async () => {
    const { store, manifests } = await chain();
    const middle = await treePack(store, manifests[2] as SnapshotManifestV2);
    const { index } = await loadBlobIndex({ store, keys: null });
    const stored = await store.getBuffer(packKey(middle));
    stored[10] = (stored[10] ?? 0) ^ 1;
    await store.put(packKey(middle), stored);

    const read = collect(readIndexRecordsV2({ store, keys: null, index }, manifests.at(-1) as SnapshotManifestV2));

    await expect(read).rejects.toBeInstanceOf(IntegrityError);
    await expect(read).rejects.toThrow(packKey(middle));
  });
});
