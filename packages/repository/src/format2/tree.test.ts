import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import { collect } from "../test-support.js";
import {
  CHUNK_DIVISOR,
  type CanonicalValue,
  canonicalJson,
  chunksOf,
  compareNames,
  endsChunk,
  sortByName,
} from "./canonical-json.js";
import { decodeIndexFile } from "./index-file.js";
import { loadBlobIndex } from "./index-loader.js";
import { indexFileKey } from "./layout.js";
import { readIndexRecordsV2 } from "./snapshot-reader.js";
import { writeSnapshotV2 } from "./snapshot-writer.js";
import { clusterObjects, countingStore, draftV2, testDirectory } from "./test-support.js";
import { treeObjectText, typeNodeText } from "./tree-builder.js";
import { decodeTreeNode, type TreeObject, type TypeNode } from "./tree-nodes.js";
import { treeRecord } from "./tree-walker.js";

const inTmp = testDirectory("tree");

describe("canonical tree JSON", () => {
  it("gives the same bytes whatever the key order, without whitespace or absent fields", () => {
    const a = canonicalJson({ kind: "namespace", name: "prod", types: [{ tree: "t", name: "x" }], extra: undefined });
    const b = canonicalJson({ types: [{ name: "x", tree: "t" }], name: "prod", kind: "namespace" });
    expect(a.toString()).toBe('{"kind":"namespace","name":"prod","types":[{"name":"x","tree":"t"}]}');
    expect(b.equals(a)).toBe(true);
  });

  const object: TreeObject = {
    name: "web-0",
    blob: "b".repeat(64),
    version: "v1",
    kind: "Deployment",
    uid: "0f0f",
    sha256: "a".repeat(64),
    bytes: 1234,
  };
  it.each<[string, TreeObject]>([
    ["a plain object", object],
    [
      "owner references",
      {
        ...object,
        ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u", controller: true }],
      },
    ],
    ["quotes, controls and surrogates", { ...object, name: 'we"b\\\n\u0001\u{1F600}\uD800', kind: "K\u00e9" }],
    [
      "separators and DEL, which JSON.stringify leaves as they are",
      { ...object, name: "a\u2028b\u2029c\u007f", uid: "\u00ff" },
    ],
    ["a field that is not a string", { ...object, version: 7 as unknown as string }],
  ])("writes a tree object as the generic encoder does: %s", (_, value) => {
    expect(Buffer.from(treeObjectText(value)).equals(canonicalJson(value as unknown as CanonicalValue))).toBe(true);
  });

  it.each<[string, TypeNode]>([
    ["a namespaced type", { kind: "type", group: "apps", resource: "deployments", namespace: "shop", chunks: [] }],
    [
      "a cluster-scoped type with odd names",
      {
        kind: "type",
        group: "",
        resource: 'we"b\u00e9',
        chunks: [
          { first: "a\n\u{1F600}", objects: 8, tree: "t1" },
          { first: "b", objects: 64, tree: "t2" },
        ],
      },
    ],
  ])("writes a type node as the generic encoder does: %s", (_, node) => {
    expect(Buffer.from(typeNodeText(node)).equals(canonicalJson(node as unknown as CanonicalValue))).toBe(true);
  });

  it("makes a record of a tree object's own fields only: a field a forged object adds is not taken", () => {
    const forged = { ...object, path: "../../etc/passwd", namespace: "elsewhere", group: "evil", resource: "x" };
    const type: TypeNode = { kind: "type", group: "rbac.authorization.k8s.io", resource: "clusterroles", chunks: [] };
    const { record, blob } = treeRecord(type, forged as TreeObject);
    expect(record).toEqual({
      path: "cluster/clusterroles.rbac.authorization.k8s.io/web-0.yaml",
      group: "rbac.authorization.k8s.io",
      version: "v1",
      resource: "clusterroles",
      kind: "Deployment",
      name: "web-0",
      uid: "0f0f",
      sha256: "a".repeat(64),
      bytes: 1234,
    });
    expect("namespace" in record).toBe(false);
    expect(blob).toBe("b".repeat(64));
  });

  it("sorts names in code-point order and refuses fractions", () => {
    expect(["b", "\u{1F600}", "\uFFFD", "a"].sort(compareNames)).toEqual(["a", "b", "\uFFFD", "\u{1F600}"]);
    const named = (names: string[]) => names.map((name) => ({ name }));
    expect(sortByName(named(["b", "\u{1F600}", "\uFFFD", "a"]), (o) => o.name)).toEqual(
      named(["a", "b", "\uFFFD", "\u{1F600}"]),
    );
    expect(sortByName(named(["web-10", "web-2", "Web"]), (o) => o.name)).toEqual(named(["Web", "web-10", "web-2"]));
    expect(() => canonicalJson({ n: 1.5 })).toThrow(/whole number/);
  });

  it("cuts chunks at borders set by names alone: changing one name moves at most its neighbours", () => {
    const names = Array.from({ length: 2000 }, (_, i) => ({ name: `obj-${String(i).padStart(5, "0")}` }));
    const before = chunksOf(names).map((c) => c.map((o) => o.name).join());
    const after = chunksOf(names.filter((_, i) => i !== 1000)).map((c) => c.map((o) => o.name).join());
    const changed = after.filter((c) => !before.includes(c));
    expect(before.length).toBeGreaterThan(2000 / 64);
    expect(changed.length).toBe(1);
  });

  it("ends a chunk where the first four bytes of sha256(name), as a u32 BE, are a multiple of CHUNK_DIVISOR", () => {
    const names = Array.from({ length: 2000 }, (_, i) => `object-${i}-${"é".repeat(i % 3)}`);
    const border = (name: string) => createHash("sha256").update(name).digest().readUInt32BE(0) % CHUNK_DIVISOR === 0;
    expect(names.map(endsChunk)).toEqual(names.map(border));
    expect(names.filter(endsChunk).length).toBeGreaterThan(0);
  });

  it("refuses a node whose names are not strictly ascending, naming the blob and field", () => {
    const node = canonicalJson({
      kind: "root",
      cluster: [],
      namespaces: [
        { name: "b", tree: "0".repeat(64) },
        { name: "a", tree: "0".repeat(64) },
      ],
    });
    expect(() => decodeTreeNode("tree blob x", node, "root")).toThrow(/tree blob x: namespaces\[1\]: names are not/);
    expect(() => decodeTreeNode("tree blob x", node, "namespace")).toThrow(/kind: must be "namespace"/);
  });
});

describe("format 2 snapshots share unchanged subtrees", () => {
  it("writes only the changed object's blob and the tree nodes above it when one namespace changed", async () => {
    const { store, puts } = countingStore(createLocalObjectStore({ root: inTmp("dedup") }));
    const deps = async () => ({ store, keys: null, patchTree: false, ...(await loadBlobIndex({ store, keys: null })) });
    const first = await writeSnapshotV2(await deps(), draftV2("20261126T020000Z-00000001"), clusterObjects(600, 6));
    const putsBefore = new Set(puts.keys());
    const changed = clusterObjects(600, 6, new Set([7]));
    const second = await writeSnapshotV2(await deps(), draftV2("20261126T030000Z-00000001"), changed);
    const newKeys = [...puts.keys()].filter((k) => !putsBefore.has(k));
    expect(newKeys.filter((k) => k.startsWith("data/"))).toHaveLength(1);
    expect(second.added).toEqual({ blobs: 5, packs: 1 });
    const indexKey = indexFileKey(second.indexes[0] ?? "");
    const [pack] = decodeIndexFile(null, indexKey, await store.getBuffer(indexKey));
    // The Deployment's YAML, its objects chunk, its type node, its namespace node, the root.
    expect(pack?.entries.map((e) => e.type)).toEqual(["data", "tree", "tree", "tree", "tree"]);
    expect(second.storedBytes).toBeLessThan(first.storedBytes / 20);
    const { index } = await loadBlobIndex({ store, keys: null });
    const records = await collect(readIndexRecordsV2({ store, keys: null, index }, second));
    expect(records.find((r) => r.name === "web-7")?.sha256).toBe(changed[7]?.record.sha256);
    expect(records).toHaveLength(600);
  });
});
