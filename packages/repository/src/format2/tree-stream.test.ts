// eachTreeObject, the streaming walk a recorder's anchor is read with: it visits exactly walkTree's
// records, in walkTree's order, for a whole tree (chunks read a bounded batch at a time) and for a
// patch chain, and refuses a damaged tree as walkTree refuses it. On local directories: no server.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ObjectStore } from "../stores/object-store.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import { BlobSource } from "./blob-source.js";
import { type CanonicalValue, canonicalJson } from "./canonical-json.js";
import { loadBlobIndex } from "./index-loader.js";
import type { Format2Keys } from "./keys.js";
import type { SnapshotManifestV2 } from "./manifest.js";
import type { SnapshotInputObject } from "./snapshot-writer.js";
import { writeSnapshotV2 } from "./snapshot-writer.js";
import { clusterObjects, deploymentYaml, draftV2, inputObject, KEY_CASES, testDirectory } from "./test-support.js";
import { eachTreeObject, STREAM_CHUNKS, type TreeRecord, walkTree } from "./tree-walker.js";

const inTmp = testDirectory("stream");
let stores = 0;
const newStore = () => createLocalObjectStore({ root: inTmp(String(stores++)) });

async function write(store: ObjectStore, keys: Format2Keys | null, n: number, input: SnapshotInputObject[]) {
  const { index } = await loadBlobIndex({ store, keys });
  return writeSnapshotV2({ store, keys, index, patchTree: true }, draftV2(`20261204T2${n}0000Z-00000000`), input);
}

/**
 * A BlobSource over `store` that also serves the crafted tree blobs put in `extra`, and records how
 * many blobs each eachBlob call asked for.
 */
async function craftingSource(store: ObjectStore, keys: Format2Keys | null) {
  const { index } = await loadBlobIndex({ store, keys });
  const source = new BlobSource({ store, keys, index });
  const extra = new Map<string, Buffer>();
  const asked: number[] = [];
  const crafting = Object.assign(Object.create(source) as BlobSource, {
    blob: async (owner: string, id: string, type: "tree" | "data") => extra.get(id) ?? source.blob(owner, id, type),
    eachBlob: async (
      owner: string,
      ids: Iterable<string>,
      type: "tree" | "data",
      use: (id: string, data: Buffer) => void,
    ) => {
      const list = [...ids];
      asked.push(list.length);
      for (const id of list) {
        const data = extra.get(id);
        if (data) use(id, data);
      }
      await source.eachBlob(
        owner,
        list.filter((id) => !extra.has(id)),
        type,
        use,
      );
    },
  });
  // biome-ignore lint/suspicious/noExplicitAny: a tree node read to be damaged
  const node = async (id: string): Promise<any> => JSON.parse((await source.blob("t", id, "tree")).toString());
  const put = (value: unknown) => {
    const data = canonicalJson(value as CanonicalValue);
    const id = createHash("sha256").update(data).digest("hex");
    extra.set(id, data);
    return id;
  };
  return { source: crafting, asked, node, put };
}

async function streamed(source: BlobSource, manifest: SnapshotManifestV2): Promise<TreeRecord[]> {
  const records: TreeRecord[] = [];
  await eachTreeObject(source, manifest, (r) => records.push(r));
  return records;
}

/** The error `read` fails with, by name and message; "read" when it does not fail. */
const outcome = (read: Promise<unknown>) =>
  read.then(
    () => "read",
    (e: Error) => `${e.name}: ${e.message}`,
  );

describe("eachTreeObject", () => {
  it.each(KEY_CASES)(
    "visits a whole tree's records as walkTree gives them, its chunks a batch at a time (%s)",
    async (_, keys) => {
      const store = newStore();
      const manifest = await write(store, keys, 0, clusterObjects(4000, 3));
      const { source, asked } = await craftingSource(store, keys);
      const whole = await walkTree(source, manifest);
      const wholeAsked = Math.max(...asked);
      asked.length = 0;
      const records = await streamed(source, manifest);
      expect(records).toHaveLength(4000);
      expect(records).toEqual(whole);
      // walkTree asks for every chunk at once (over 4000 / MAX_CHUNK_OBJECTS); the stream a batch at a time.
      expect(wholeAsked).toBeGreaterThan(STREAM_CHUNKS);
      expect(Math.max(...asked)).toBeLessThanOrEqual(STREAM_CHUNKS);
      expect(asked.filter((n) => n === STREAM_CHUNKS).length).toBeGreaterThan(0);
    },
  );

  it.each(KEY_CASES)(
    "with thread, decodes the chunk nodes on the frame thread, visiting the same records (%s)",
    async (_, keys) => {
      const store = newStore();
      await write(store, keys, 0, clusterObjects(3000, 3));
      const patched = await write(store, keys, 1, clusterObjects(3000, 3, new Set([5, 600])));
      const { index } = await loadBlobIndex({ store, keys });
      const source = () => new BlobSource({ store, keys, index });
      const records: TreeRecord[] = [];
      await eachTreeObject(source(), patched, (r) => records.push(r), { thread: true });
      expect(records).toHaveLength(3000);
      expect(records).toEqual(await walkTree(source(), patched));
    },
  );

  it("awaits pause before each batch: held, it visits no more; rejected, the walk rejects with it", async () => {
    const store = newStore();
    const manifest = await write(store, null, 0, clusterObjects(4000, 3));
    const { source } = await craftingSource(store, null);
    const visited: TreeRecord[] = [];
    const atPause: number[] = [];
    let release: (() => void) | undefined;
    const walking = eachTreeObject(source, manifest, (r) => visited.push(r), {
      pause: () => {
        atPause.push(visited.length);
        if (atPause.length !== 2) return undefined;
        return new Promise<void>((go) => {
          release = go;
        });
      },
    });
    while (release === undefined) await new Promise((r) => setTimeout(r, 5));
    const held = visited.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(visited.length).toBe(held); // nothing walked while held
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(4000);
    release();
    await walking;
    expect(visited).toEqual(await walkTree(source, manifest));
    expect(atPause[0]).toBe(0);
    expect(atPause.length).toBeGreaterThan(2);
    const stopped = new Error("reader gone");
    let calls = 0;
    const more: TreeRecord[] = [];
    const failing = eachTreeObject(source, manifest, (r) => more.push(r), {
      pause: () => (++calls === 2 ? Promise.reject(stopped) : undefined),
    });
    await expect(failing).rejects.toBe(stopped);
    expect(more.length).toBe(held);
  });

  it("visits a patch chain's records as walkTree gives them, its root's chunks a batch at a time", async () => {
    const store = newStore();
    await write(store, null, 0, clusterObjects(4000, 3));
    await write(
      store,
      null,
      1,
      clusterObjects(4000, 3, new Set([3, 70])).filter((_, i) => i !== 10),
    );
    const added = { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespace: "new" };
    const third = await write(store, null, 2, [
      ...clusterObjects(4000, 3, new Set([3, 151])).filter((_, i) => i !== 10 && i !== 11 && i % 50 !== 49),
      inputObject({ ...added, name: "web-new" }, deploymentYaml("new", "web-new")),
    ]);
    const { source, node, asked } = await craftingSource(store, null);
    const top = await node(third.tree);
    expect(top).toMatchObject({ kind: "patch", depth: 2 });
    const whole = await walkTree(source, third);
    expect(whole.map((r) => r.record.name)).toContain("web-new");
    expect(whole.map((r) => r.record.name)).not.toContain("web-10");
    expect(Math.max(...asked)).toBeGreaterThan(STREAM_CHUNKS);
    asked.length = 0;
    expect(await streamed(source, third)).toEqual(whole);
    expect(Math.max(...asked)).toBeLessThanOrEqual(STREAM_CHUNKS);
  });

  describe("over crafted patches, gives walkTree's records or refuses as walkTree", () => {
    /** A whole snapshot of 1000 objects, and the outcome of both walks over a patch `fields` on its tree. */
    async function patchedBy(fields: object, objects = 1000) {
      const store = newStore();
      const manifest = await write(store, null, 0, clusterObjects(1000, 2));
      const { source, put } = await craftingSource(store, null);
      const patch = put({ kind: "patch", base: manifest.tree, depth: 1, objects, types: [], ...fields });
      const crafted = { ...manifest, tree: patch, objects };
      const whole = await outcome(walkTree(source, crafted));
      const records: TreeRecord[] = [];
      expect(await outcome(eachTreeObject(source, crafted, (r) => records.push(r)))).toBe(whole);
      if (whole === "read") expect(records).toEqual(await walkTree(source, crafted));
      return { whole, records };
    }
    const object = (name: string) => ({
      name,
      blob: "a".repeat(64),
      version: "v1",
      kind: "Deployment",
      uid: name,
      sha256: "b".repeat(64),
      bytes: 1,
    });
    const deployments = (namespace: string | undefined, set: string[], remove: string[]) => ({
      group: "apps",
      resource: "deployments",
      ...(namespace === undefined ? {} : { namespace }),
      set: set.map(object),
      remove,
    });

    it("sets, removes, types and namespaces only the patch holds, in walk order", async () => {
      const { whole, records } = await patchedBy(
        {
          types: [
            deployments(undefined, ["a-cluster-wide"], []),
            deployments("a-first", ["x", "y"], []),
            deployments("team-0", ["web-0", "zz-new"], ["web-2"]),
            deployments("team-00", ["only"], []),
            deployments("zz-last", ["z"], []),
          ],
        },
        1005,
      );
      expect(whole).toBe("read");
      const names = records.map((r) => `${r.record.namespace ?? "-"}/${r.record.name}`);
      // Cluster-scoped deployments after the ClusterRoles, then namespace a-first, before team-0.
      expect(names.indexOf("-/a-cluster-wide")).toBe(names.indexOf("a-first/x") - 1);
      expect(names.indexOf("a-first/y")).toBe(names.indexOf("team-0/web-0") - 1);
      expect(names.at(-1)).toBe("zz-last/z");
      expect(names).toContain("team-00/only");
      expect(names).not.toContain("team-0/web-2");
    });

    it("a remove of an object its base does not hold, a count other than the patch's", async () => {
      expect((await patchedBy({ types: [deployments("team-0", [], ["web-1"])] }, 999)).whole).toMatch(
        /RepositoryFormatError: .*patch removes team-0\/deployments.apps\/web-1, which its base does not hold/,
      );
      expect((await patchedBy({ types: [deployments("team-0", ["new"], [])] }, 1000)).whole).toMatch(
        /RepositoryFormatError: .*patched tree holds 1001 objects, the patch says 1000/,
      );
    });

    it("keys that could stand for two types (read whole, as walkTree)", async () => {
      // Group "" and resource "deployments.apps": the key of apps' deployments, whose web-4 it replaces.
      const odd = { group: "", resource: "deployments.apps", namespace: "team-0", set: [object("web-4")], remove: [] };
      const { whole, records } = await patchedBy({ types: [odd] }, 1000);
      expect(whole).toBe("read");
      expect(records.find((r) => r.record.name === "web-4")?.record.group).toBe("");
      await patchedBy({ types: [{ ...odd, namespace: "" }] }, 1001);
    });
  });

  describe("refuses a damaged tree as walkTree refuses it", () => {
    /** A snapshot of 4000 objects whose tree has the chunk `at` of the first type of namespace `ns` changed by `damage`. */
    async function damaged(damage: {
      ns: "first" | "last";
      at: "first" | "last";
      // biome-ignore lint/suspicious/noExplicitAny: crafted nodes
      chunk?: (chunk: any, ref: any) => void;
      // biome-ignore lint/suspicious/noExplicitAny: crafted nodes
      type?: (type: any, refs: any) => void;
      objects?: number;
    }) {
      const store = newStore();
      const manifest = await write(store, null, 0, clusterObjects(4000, 3));
      const { source, node, put } = await craftingSource(store, null);
      const root = await node(manifest.tree);
      const nsRef = damage.ns === "first" ? root.namespaces[0] : root.namespaces.at(-1);
      const ns = await node(nsRef.tree);
      const type = await node(ns.types[0].tree);
      const ref = damage.at === "first" ? type.chunks[0] : type.chunks.at(-1);
      const chunk = await node(ref.tree);
      damage.chunk?.(chunk, ref);
      ref.tree = put(chunk);
      damage.type?.(type, root);
      ns.types[0].tree = put(type);
      nsRef.tree = put(ns);
      const crafted = { ...manifest, tree: put(root), objects: manifest.objects + (damage.objects ?? 0) };
      const expected = await outcome(walkTree(source, crafted));
      expect(await outcome(streamed(source, crafted))).toBe(expected);
      return expected;
    }

    it("a chunk that does not hold what its reference says (in the last batch)", async () => {
      expect(await damaged({ ns: "last", at: "last", chunk: (_, ref) => ref.objects++, objects: 1 })).toMatch(
        /RepositoryFormatError: .*chunk does not match its reference in the type node/,
      );
      expect(
        await damaged({
          ns: "last",
          at: "last",
          chunk: (chunk) => chunk.objects.pop(),
        }),
      ).toMatch(/chunk does not match its reference in the type node/);
    });

    it("an object name that is not a safe path segment", async () => {
      expect(
        await damaged({
          ns: "first",
          at: "first",
          chunk: (chunk, ref) => {
            chunk.objects[0].name = "..";
            ref.first = "..";
          },
        }),
      ).toMatch(/^UnsafePathError: /);
    });

    it("a type node of another namespace, an object count other than snapshot.json's, a chunk of another kind", async () => {
      expect(await damaged({ ns: "first", at: "first", type: (type) => (type.namespace = "team-elsewhere") })).toMatch(
        /RepositoryFormatError: .*type node is not deployments.apps of team-/,
      );
      expect(await damaged({ ns: "first", at: "first", objects: 1 })).toMatch(
        /IntegrityError: .*tree holds 4000 objects, 4001 expected/,
      );
      expect(
        await damaged({
          ns: "last",
          at: "last",
          type: (type, root) => {
            type.chunks.at(-1).tree = root.cluster[0].tree;
          },
        }),
      ).toMatch(/RepositoryFormatError: .*kind.*must be "objects"/);
    });
  });
});
