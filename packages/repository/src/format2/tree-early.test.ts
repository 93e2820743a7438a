import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { resourceKey } from "../snapshot/layout.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import { collect } from "../test-support.js";
import { decodeIndexFile } from "./index-file.js";
import { loadBlobIndex } from "./index-loader.js";
import { indexFileKey } from "./layout.js";
import { readIndexRecordsV2 } from "./snapshot-reader.js";
import { writeSnapshotV2 } from "./snapshot-writer.js";
import { clusterObjects, draftV2, testDirectory } from "./test-support.js";
import { TreeBuilder, treeObject } from "./tree-builder.js";

const inTmp = testDirectory("early");

type Input = ReturnType<typeof clusterObjects>;
/** In the order a LIST of each type gives: by type, namespace, then name (code points). */
const listed = (input: Input) => {
  const key = ({ record: r }: Input[number]) => `${resourceKey(r)}\u0000${r.namespace ?? ""}\u0000${r.name}`;
  return [...input].sort((a, b) => Buffer.compare(Buffer.from(key(a)), Buffer.from(key(b))));
};

/** Builds a tree of `input` (`early`: chunks made as objects come) into a map of tree blobs; its root's id. */
async function build(input: Input, early: boolean, storedBeforeBuild?: { count: number }) {
  const blobs = new Map<string, Buffer>();
  const addTree = async (node: Buffer) => {
    const id = createHash("sha256").update(node).digest("hex");
    blobs.set(id, node);
    return id;
  };
  const tree = new TreeBuilder({ early });
  for (const [i, { record }] of input.entries()) {
    tree.add(record, record.sha256);
    if (i % 100 === 99) await tree.storeChunks(addTree);
  }
  if (storedBeforeBuild) storedBeforeBuild.count = blobs.size;
  return { root: await tree.build(addTree), blobs };
}

describe("a tree's chunks made as its objects come (TreeBuilder early)", () => {
  const input = clusterObjects(900, 6);
  it.each([
    ["in the order a LIST gives", listed(input)],
    ["in the order they were made (web-10 before web-2)", input],
    ["in reverse", listed(input).reverse()],
  ])("stores the tree a build at the end stores, its objects %s", async (_, objects) => {
    const before = { count: 0 };
    const early = await build(objects, true, before);
    const late = await build(objects, false);
    expect(early.root).toBe(late.root);
    expect([...late.blobs.keys()].filter((id) => !early.blobs.has(id))).toEqual([]);
    if (objects === input || objects[0]?.record.name !== listed(input)[0]?.record.name) {
      // out of order: chunks cut before are stored for nothing (prune removes them), the rest at the build
      expect(early.blobs.size).toBeGreaterThanOrEqual(late.blobs.size);
      return;
    }
    // as listed: the same blobs, all but the last chunk of each type and the nodes above stored before the build
    expect(early.blobs.size).toBe(late.blobs.size);
    expect(before.count).toBeGreaterThan(late.blobs.size / 2);
  });

  it("refuses an object given twice in one type, naming it", async () => {
    const objects = listed(input);
    const twice = [...objects.slice(0, 40), objects[39] as Input[number], ...objects.slice(40)];
    await expect(build(twice, true)).rejects.toThrow(/deployments.apps "web-\d+" in namespace team-0 was given twice/);
  });
});

describe("objects given as entries of the reuse table (TreeBuilder addEntry)", () => {
  const input = clusterObjects(300, 3);
  const entryOf = (i: number) => {
    const record = input[i]?.record;
    return record && treeObject(record, record.sha256);
  };

  it.each([
    ["at the end", false],
    ["as they come (early)", true],
  ])("stores the tree of the same objects given whole, their tree objects made %s", async (_, early) => {
    const made: number[] = [];
    const tree = new TreeBuilder({
      early,
      entryObject: (i) => {
        made.push(i);
        return entryOf(i);
      },
    });
    for (const [i, { record }] of input.entries())
      if (i % 5 === 0) tree.add(record, record.sha256);
      else tree.addEntry(record, i);
    // kept as numbers till the build, which a snapshot stored as a patch never calls
    if (!early) expect(made).toEqual([]);
    const blobs = new Map<string, Buffer>();
    const root = await tree.build(async (node) => {
      const id = createHash("sha256").update(node).digest("hex");
      blobs.set(id, node);
      return id;
    });
    expect(made.length).toBe(input.length - Math.ceil(input.length / 5));
    expect(root).toBe((await build(input, false)).root);
  });

  it("refuses to build when an entry cannot be read back, naming it", async () => {
    const tree = new TreeBuilder({ entryObject: (i) => (i === 7 ? undefined : entryOf(i)) });
    for (const [i, { record }] of input.slice(0, 10).entries()) tree.addEntry(record, i);
    await expect(tree.build(async () => "id")).rejects.toThrow(
      "snapshot writer: reuse table entry 7 cannot be read back",
    );
  });
});

describe("a first snapshot (empty index)", () => {
  it("stores its tree blobs in packs of their own, read back as they were given", async () => {
    const store = createLocalObjectStore({ root: inTmp("first") });
    const input = listed(clusterObjects(600, 6));
    const deps = async () => ({
      store,
      keys: null,
      packTargetBytes: 8 * 1024,
      ...(await loadBlobIndex({ store, keys: null })),
    });
    const first = await writeSnapshotV2(await deps(), draftV2("20261126T020000Z-00000001"), input);
    const key = indexFileKey(first.indexes[0] ?? "");
    const packs = decodeIndexFile(null, key, await store.getBuffer(key));
    const kinds = packs.map((p) => [...new Set(p.entries.map((e) => e.type))].join());
    expect(kinds.filter((k) => k === "tree").length).toBeGreaterThan(0);
    expect(kinds.filter((k) => k === "data").length).toBeGreaterThan(1);
    expect(kinds.every((k) => k === "tree" || k === "data")).toBe(true);
    const { index } = await loadBlobIndex({ store, keys: null });
    const records = await collect(readIndexRecordsV2({ store, keys: null, index }, first));
    expect(records.map((r) => r.sha256).sort()).toEqual(input.map((o) => o.record.sha256).sort());
    // the next snapshot has a base: a patch, its blobs beside the data as before
    const second = await writeSnapshotV2(await deps(), draftV2("20261126T030000Z-00000001"), input);
    expect(second.tree).toBe(first.tree);
  });
});
