// Trees stored as patches of an earlier snapshot's (docs/format.md, "Trees"): what they hold reads
// back as the whole tree would, depths and sizes bound them, bad patches are refused, and prune
// keeps what a patch needs. On local directories: no server needed.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ObjectStore } from "../stores/object-store.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import { collect } from "../test-support.js";
import { BlobSource } from "./blob-source.js";
import { canonicalJson } from "./canonical-json.js";
import { loadBlobIndex } from "./index-loader.js";
import { blobId, type Format2Keys } from "./keys.js";
import type { SnapshotManifestV2 } from "./manifest.js";
import { pruneRepository } from "./prune.js";
import { readIndexRecordsV2 } from "./snapshot-reader.js";
import type { SnapshotInputObject } from "./snapshot-writer.js";
import { writeSnapshotV2 } from "./snapshot-writer.js";
import {
  clusterObjects,
  deploymentYaml,
  draftV2,
  inputObject,
  readBackHashes,
  storedDataBlobs,
  inputHashes,
  TEST_KEYS,
  testDirectory,
} from "./test-support.js";
import { decodeTopNode, MAX_PATCH_DEPTH } from "./tree-nodes.js";
import { readTree } from "./tree-walker.js";
import { verifyRepository } from "./verify.js";

const inTmp = testDirectory("patch");
let stores = 0;
const newStore = () => createLocalObjectStore({ root: inTmp(String(stores++)) });
const two = (n: number) => String(n).padStart(2, "0");
const idOf = (n: number) => `20261126T${two(Math.floor(n / 60))}${two(n % 60)}00Z-00000000`;

async function write(
  store: ObjectStore,
  keys: Format2Keys | null,
  n: number,
  input: SnapshotInputObject[],
  patchTree = true,
) {
  const { index } = await loadBlobIndex({ store, keys });
  return writeSnapshotV2({ store, keys, index, patchTree }, draftV2(idOf(n)), input);
}

async function topNode(store: ObjectStore, keys: Format2Keys | null, manifest: SnapshotManifestV2) {
  const { index } = await loadBlobIndex({ store, keys });
  const source = new BlobSource({ store, keys, index });
  return decodeTopNode("t", await source.blob("t", manifest.tree, "tree"));
}

async function records(store: ObjectStore, keys: Format2Keys | null, manifest: SnapshotManifestV2) {
  const { index } = await loadBlobIndex({ store, keys });
  return collect(readIndexRecordsV2({ store, keys, index }, manifest));
}

/** 300 objects, then: some changed, two removed, one added in a new namespace, the ClusterRoles all gone. */
function later(): SnapshotInputObject[] {
  const input = clusterObjects(300, 3, new Set([3, 70, 151]))
    .filter((_, i) => i !== 10 && i !== 11)
    .filter((o) => o.record.resource !== "clusterroles");
  const added = { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespace: "new" };
  return [...input, inputObject({ ...added, name: "web-new" }, deploymentYaml("new", "web-new"))];
}

describe("format 2 trees stored as patches", () => {
  it.each([
    ["unencrypted", null],
    ["encrypted", TEST_KEYS],
  ] as [string, Format2Keys | null][])("read back as the whole tree would, in the same order (%s)", async (_, keys) => {
    const store = newStore();
    const whole = newStore();
    await write(store, keys, 0, clusterObjects(300, 3));
    const second = await write(store, keys, 1, later());
    const expected = await write(whole, keys, 1, later(), false);
    const top = await topNode(store, keys, second);
    expect(top.kind).toBe("patch");
    expect((await topNode(whole, keys, expected)).kind).toBe("root");
    if (top.kind !== "patch") return;
    expect(top).toMatchObject({ depth: 1, objects: 293 });
    // Changed 3: web-3, web-70, web-151; removed web-10, web-11, six ClusterRoles; added web-new.
    expect(top.types.reduce((n, t) => n + t.set.length, 0)).toBe(4);
    expect(top.types.reduce((n, t) => n + t.remove.length, 0)).toBe(8);
    expect(second.added.blobs).toBe(5); // 4 YAML blobs, 1 patch
    // Equal records but `part`, the rank of the pack holding the YAML, which differs between the two repositories.
    const unparted = (list: { part: number }[]) => list.map(({ part, ...record }) => record);
    expect(unparted(await records(store, keys, second))).toEqual(unparted(await records(whole, keys, expected)));
    expect(await readBackHashes(store, keys, second.id)).toEqual(inputHashes(later()));
    expect((await verifyRepository({ store, keys })).problems).toEqual([]);
  });

  it("chains patches up to MAX_PATCH_DEPTH, then stores a whole tree again", async () => {
    const store = newStore();
    let manifest = await write(store, null, 0, clusterObjects(200, 2));
    for (let n = 1; n <= MAX_PATCH_DEPTH + 1; n++) {
      manifest = await write(store, null, n, clusterObjects(200, 2, new Set([n])));
      const top = await topNode(store, null, manifest);
      expect(top.kind === "root" ? 0 : top.depth).toBe(n <= MAX_PATCH_DEPTH ? n : 0);
    }
    const { index } = await loadBlobIndex({ store, keys: null });
    const back = await readTree(new BlobSource({ store, keys: null, index }), manifest);
    expect(back.records).toHaveLength(200);
  });

  it("prune frees the YAML a forgotten snapshot's patch held that a later patch replaced", async () => {
    const store = newStore();
    const third = clusterObjects(100, 2);
    const web5 = third[5]?.record as SnapshotInputObject["record"];
    third[5] = inputObject({ ...web5 }, deploymentYaml(web5.namespace as string, web5.name, 3));
    await write(store, null, 0, clusterObjects(100, 2));
    await write(store, null, 1, clusterObjects(100, 2, new Set([5])));
    const last = await write(store, null, 2, third);
    expect((await topNode(store, null, last)).kind).toBe("patch");
    const middleOnly = blobId(null, clusterObjects(100, 2, new Set([5]))[5]?.data as Buffer);
    expect((await storedDataBlobs(store, null)).has(middleOnly)).toBe(true);
    await store.delete(`snapshots/${idOf(1)}/snapshot.json`);
    await pruneRepository({ store, keys: null, repackThreshold: 0 });
    expect((await storedDataBlobs(store, null)).has(middleOnly)).toBe(false);
    expect(await readBackHashes(store, null, last.id)).toEqual(inputHashes(third));
    expect(await readBackHashes(store, null, idOf(0))).toEqual(inputHashes(clusterObjects(100, 2)));
    expect((await verifyRepository({ store, keys: null })).problems).toEqual([]);
  });

  it("names its base's tree, storing no tree blob, when nothing changed", async () => {
    const store = newStore();
    await write(store, null, 0, clusterObjects(100, 2));
    const second = await write(store, null, 1, clusterObjects(100, 2, new Set([5])));
    const same = await write(store, null, 2, clusterObjects(100, 2, new Set([5])));
    expect(same.tree).toBe(second.tree);
    expect(same).toMatchObject({ storedBytes: 0, added: { blobs: 0, packs: 0 } });
  });

  it("stores a whole tree when a patch would change more than a quarter of the objects", async () => {
    const store = newStore();
    await write(store, null, 0, clusterObjects(200, 2));
    const many = await write(store, null, 1, clusterObjects(200, 2, new Set(Array.from({ length: 51 }, (_, i) => i))));
    expect((await topNode(store, null, many)).kind).toBe("root");
  });

  it("reads a tree written before patches (a root) and patches it", async () => {
    const store = newStore();
    const first = await write(store, null, 0, clusterObjects(100, 2), false);
    expect((await topNode(store, null, first)).kind).toBe("root");
    const second = await write(store, null, 1, clusterObjects(100, 2, new Set([5])));
    expect((await topNode(store, null, second)).kind).toBe("patch");
    expect(await readBackHashes(store, null, first.id)).toEqual(inputHashes(clusterObjects(100, 2)));
    expect(await readBackHashes(store, null, second.id)).toEqual(inputHashes(clusterObjects(100, 2, new Set([5]))));
  });

  it("prune keeps what a patch needs after its base snapshot is forgotten", async () => {
    const store = newStore();
    await write(store, null, 0, clusterObjects(100, 2));
    const second = await write(store, null, 1, clusterObjects(100, 2, new Set([5])));
    await store.delete(`snapshots/${idOf(0)}/snapshot.json`);
    await pruneRepository({ store, keys: null, repackThreshold: 0 });
    expect(await readBackHashes(store, null, second.id)).toEqual(inputHashes(clusterObjects(100, 2, new Set([5]))));
    expect((await verifyRepository({ store, keys: null })).problems).toEqual([]);
  });
});

describe("patched trees that do not read", () => {
  /** A whole snapshot of 100 objects, and its tree read through `source` with crafted top nodes added. */
  async function crafted() {
    const store = newStore();
    const manifest = await write(store, null, 0, clusterObjects(100, 2));
    const { index } = await loadBlobIndex({ store, keys: null });
    const source = new BlobSource({ store, keys: null, index });
    const extra = new Map<string, Buffer>();
    const withExtra = Object.assign(Object.create(source) as BlobSource, {
      blob: async (owner: string, id: string, type: "tree" | "data") => extra.get(id) ?? source.blob(owner, id, type),
    });
    const read = (fields: object, objects = 100) => {
      const node = canonicalJson({ kind: "patch", base: manifest.tree, depth: 1, objects, types: [], ...fields });
      const id = createHash("sha256").update(node).digest("hex");
      extra.set(id, node);
      return readTree(withExtra, { ...manifest, tree: id, objects });
    };
    return { read };
  }
  const deployments = { group: "apps", resource: "deployments", namespace: "team-0", set: [] };

  it("refuses a patch that removes an object its base does not hold", async () => {
    const { read } = await crafted();
    await expect(read({ types: [{ ...deployments, remove: ["web-1"] }] }, 99)).rejects.toThrow(
      /patch removes team-0\/deployments.apps\/web-1, which its base does not hold/,
    );
    const back = await read({ types: [{ ...deployments, remove: ["web-2"] }] }, 99);
    expect(back.records.map((r) => r.record.name)).not.toContain("web-2");
    expect(back).toMatchObject({ depth: 1, patched: 1 });
  });

  it("refuses a patch whose depth is not its base's plus one, or whose count is wrong", async () => {
    const { read } = await crafted();
    await expect(read({ depth: 2 })).rejects.toThrow(/is not at depth 1, its patch's base/);
    await expect(read({ objects: 99 })).rejects.toThrow(/tree holds 99 objects, snapshot.json says 100/);
    await expect(read({ types: [{ ...deployments, remove: ["web-2"] }] })).rejects.toThrow(
      /patched tree holds 99 objects, the patch says 100/,
    );
    const { read: other } = await crafted();
    await expect(other({ objects: 100 }, 100)).resolves.toMatchObject({ depth: 1 });
  });
});

describe("patch nodes that do not read", () => {
  const entry = {
    blob: "a".repeat(64),
    bytes: 1,
    kind: "Deployment",
    name: "web",
    sha256: "a".repeat(64),
    uid: "u",
    version: "v1",
  };
  const patch = (fields: object) =>
    canonicalJson({ kind: "patch", base: "b".repeat(64), depth: 1, objects: 1, types: [], ...fields });
  it.each([
    [{ depth: 0 }, /depth: must be 1 to 32/],
    [{ depth: MAX_PATCH_DEPTH + 1 }, /depth: must be 1 to 32/],
    [{ base: "x" }, /base/],
    [
      {
        types: [
          { group: "apps", resource: "deployments", namespace: "b", set: [], remove: [] },
          { group: "apps", resource: "deployments", namespace: "a", set: [], remove: [] },
        ],
      },
      /types\[1\]: types are not in strictly ascending order/,
    ],
    [
      { types: [{ group: "apps", resource: "deployments", set: [entry], remove: ["web"] }] },
      /types\[0\]\.remove\[0\]: "web" is also in set/,
    ],
    [
      { types: [{ group: "apps", resource: "deployments", set: [], remove: ["b", "a"] }] },
      /remove\[1\]: names are not in strictly ascending order/,
    ],
    [{ kind: "type" }, /kind: must be "root" or "patch"/],
  ])("refuses %j", (fields, message) => {
    expect(() => decodeTopNode("tree blob x", patch(fields))).toThrow(message);
  });
});
