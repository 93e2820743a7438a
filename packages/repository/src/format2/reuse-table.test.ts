import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BlobIndex } from "./blob-index.js";
import { ReuseTable, ReuseTableBuilder } from "./reuse-table.js";
import { TEST_KEYS, testDirectory } from "./test-support.js";

const inTmp = testDirectory("reuse-table");

const hex = (s: string) => createHash("sha256").update(s).digest("hex");
const PACK = hex("pack");

/** An index holding the blobs of `names`. */
function indexOf(...names: string[]): BlobIndex {
  const index = new BlobIndex();
  for (const name of names)
    index.add(PACK, {
      id: hex(name),
      type: "data",
      compression: 0,
      offset: 0,
      length: 10,
      frameRawLength: 10,
      offsetInFrame: 0,
      rawLength: 10,
    });
  return index;
}

const id = (uid: string, resourceVersion: string) => ({ type: "/v1/configmaps", uid, resourceVersion });
const stored = (name: string, sha256 = hex(name)) => ({ blob: hex(name), sha256, bytes: name.length });

async function saved(cacheDir: string, keys: typeof TEST_KEYS | null, key = "k"): Promise<void> {
  const builder = new ReuseTableBuilder();
  builder.add(id("u1", "10"), stored("a"), { name: "a", kind: "ConfigMap", namespace: "ns" });
  builder.add(id("u2", "11"), stored("b", hex("b plaintext")), { name: "b", kind: "ConfigMap" });
  builder.add(id("", "12"), stored("c"), { name: "c", kind: "ConfigMap" }); // no uid: never reused
  await builder.save({ cacheDir, keys, key }, { snapshot: "s1", tree: hex("tree"), depth: 1, patched: 2 });
}

describe.each([
  ["unencrypted", null],
  ["encrypted", TEST_KEYS],
] as const)("reuse table (%s)", (name, keys) => {
  it("finds an entry by type, uid and resourceVersion, and nothing else", async () => {
    const cacheDir = inTmp(`${name}-find`);
    await saved(cacheDir, keys);
    const table = await ReuseTable.load({ cacheDir, keys, key: "k" }, indexOf("a", "b", "c"));

    expect(table.size).toBe(2);
    expect(table.find(id("u1", "10"))).toEqual({ ...stored("a"), entry: 0 });
    expect(table.find(id("u2", "11"))).toEqual({ ...stored("b", hex("b plaintext")), entry: 1 });
    expect(table.find(id("u1", "11"))).toBeUndefined();
    expect(table.find({ ...id("u1", "10"), type: "apps/v1/deployments" })).toBeUndefined();
  });

  it("leaves out entries whose blob the repository no longer has, but keeps them in its snapshot's tree", async () => {
    const cacheDir = inTmp(`${name}-pruned`);
    await saved(cacheDir, keys);
    const table = await ReuseTable.load({ cacheDir, keys, key: "k" }, indexOf("b"));

    expect(table.find(id("u1", "10"))).toBeUndefined();
    expect(table.find(id("u2", "11"))).toBeDefined();
    expect(table.base).toEqual({ snapshot: "s1", tree: hex("tree"), depth: 1, patched: 2 });
    const all = table.all;
    expect(all?.count).toBe(3);
    expect([0, 1, 2].map((i) => all?.entry(i)).map((e) => [e?.uid, e?.namespace, e?.name])).toEqual([
      ["u1", "ns", "a"],
      ["u2", undefined, "b"],
      ["", undefined, "c"],
    ]);
  });

  it("holds no snapshot's tree when saved without one", async () => {
    const cacheDir = inTmp(`${name}-no-base`);
    const builder = new ReuseTableBuilder();
    builder.add(id("u1", "10"), stored("a"), { name: "a", kind: "ConfigMap" });
    await builder.save({ cacheDir, keys, key: "k" });
    const table = await ReuseTable.load({ cacheDir, keys, key: "k" }, indexOf("a"));

    expect(table.size).toBe(1);
    expect(table.base).toBeUndefined();
  });

  it("is empty for another key, or when its file is damaged", async () => {
    const cacheDir = inTmp(`${name}-damaged`);
    await saved(cacheDir, keys);
    const index = indexOf("a", "b");
    expect((await ReuseTable.load({ cacheDir, keys, key: "other" }, index)).size).toBe(0);

    const [file] = await readdir(join(cacheDir, "reuse"));
    const path = join(cacheDir, "reuse", file as string);
    const data = await readFile(path);
    data.writeUInt8(data.readUInt8(data.length - 5) ^ 1, data.length - 5);
    await writeFile(path, data);
    expect((await ReuseTable.load({ cacheDir, keys, key: "k" }, index)).size).toBe(0);
  });
});

it("keeps no digest in the clear when the repository is encrypted", async () => {
  const cacheDir = inTmp("sealed");
  await saved(cacheDir, TEST_KEYS);
  const [file] = await readdir(join(cacheDir, "reuse"));
  const text = (await readFile(join(cacheDir, "reuse", file as string))).toString("latin1");

  expect(text).not.toContain(hex("b plaintext"));
  expect(text).not.toContain(`"u1"`); // quoted: two random bytes of a sealed file may well read u1
  expect(await ReuseTable.load({ cacheDir, keys: null, key: "k" }, indexOf("a", "b"))).toHaveProperty("size", 0);
});

it("holds an entry's blob only when the index held it when the table was loaded", async () => {
  const cacheDir = inTmp("holds");
  await saved(cacheDir, null);
  const table = await ReuseTable.load({ cacheDir, keys: null, key: "k" }, indexOf("b", "c"));

  expect(table.holds(0, hex("a"))).toBe(false); // pruned
  expect(table.holds(1, hex("b"))).toBe(true);
  expect(table.holds(1, hex("a"))).toBe(false); // not that entry's blob
  expect(table.holds(2, hex("c"))).toBe(false); // no uid: not in the table's lookup
  expect(table.holds(7, hex("b"))).toBe(false);
});

describe("reuse table bytes (version 3)", () => {
  const owners = [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "o1", controller: true }];
  const objects = [
    { id: id("u1", "10"), stored: stored("a"), object: { name: "a", kind: "ConfigMap", namespace: "ns" } },
    {
      id: { type: "apps/v1/deployments", uid: "u2", resourceVersion: "11" },
      stored: stored("b", hex("b plaintext")),
      object: { name: "bé-ü", kind: "Deployment", namespace: "ns", ownerReferences: owners },
    },
    { id: id("", ""), stored: stored("c"), object: { name: "c", kind: "ConfigMap" } },
  ];
  const entryOf = ({ id: { type, uid }, stored: { blob, sha256, bytes }, object }: (typeof objects)[number]) => {
    const [group, version, resource] = type.split("/");
    return { group, version, resource, uid, blob, sha256, bytes, ...object };
  };

  it("gives back every field of every entry, and finds each object by its type, uid and resourceVersion", async () => {
    const cacheDir = inTmp("round-trip");
    const builder = new ReuseTableBuilder();
    for (const o of objects) builder.add(o.id, o.stored, o.object);
    await builder.save({ cacheDir, keys: null, key: "k" }, { snapshot: "s1", tree: hex("t"), depth: 3, patched: 7 });
    const table = await ReuseTable.load({ cacheDir, keys: null, key: "k" }, indexOf("a", "b", "c"));

    expect(table.base).toEqual({ snapshot: "s1", tree: hex("t"), depth: 3, patched: 7 });
    expect([0, 1, 2].map((i) => table.all?.entry(i))).toEqual(objects.map(entryOf));
    expect(table.find(objects[1]?.id as never)).toEqual({ ...stored("b", hex("b plaintext")), entry: 1 });
    expect(table.size).toBe(2);
  });

  it.each([
    ["upper case", hex("a").toUpperCase()],
    ["short", hex("a").slice(2)],
    ["long", `${hex("a")}00`],
    ["not hex at the end", `${hex("a").slice(0, 63)}g`],
    ["not hex at the start", `z${hex("a").slice(1)}`],
  ])("refuses a blob id that is %s, naming it", (_, blob) => {
    const builder = new ReuseTableBuilder();
    expect(() =>
      builder.add(id("u1", "10"), { blob, sha256: blob, bytes: 1 }, { name: "a", kind: "ConfigMap" }),
    ).toThrow(`reuse table: not a blob id: ${blob}`);
  });

  it("keeps owner references of more than 65,535 bytes whole, and refuses such a name", async () => {
    const cacheDir = inTmp("long-strings");
    const many = Array.from({ length: 1200 }, (_, i) => ({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: `rs-${i}`.padEnd(60, "x"),
      uid: `o${i}`,
    }));
    const object = { name: "long", kind: "Deployment", namespace: "ns", ownerReferences: many };
    const long = { name: "n".repeat(70_000), kind: "ConfigMap" };
    expect(() => new ReuseTableBuilder().add(id("u2", "10"), stored("b"), long)).toThrow(
      "reuse table: a string of more than 65,535 bytes",
    );
    const builder = new ReuseTableBuilder();
    builder.add(id("u1", "10"), stored("a"), object);
    await builder.save({ cacheDir, keys: null, key: "k" });
    const table = await ReuseTable.load({ cacheDir, keys: null, key: "k" }, indexOf("a"));

    expect(JSON.stringify(many).length).toBeGreaterThan(65_535);
    expect(table.all?.entry(0)?.ownerReferences).toEqual(many);
  });

  it("copies the entries of the last table found unchanged, beside new ones", async () => {
    const cacheDir = inTmp("copied");
    const first = new ReuseTableBuilder();
    for (const o of objects) first.add(o.id, o.stored, o.object);
    await first.save({ cacheDir, keys: TEST_KEYS, key: "k" });
    const last = await ReuseTable.load({ cacheDir, keys: TEST_KEYS, key: "k" }, indexOf("a", "b", "c", "d"));
    const next = new ReuseTableBuilder(last);
    next.add({ type: "batch/v1/jobs", uid: "u4", resourceVersion: "1" }, stored("d"), { name: "d", kind: "Job" });
    next.addEntry(1);
    expect(() => next.addEntry(3)).toThrow(RangeError);
    await next.save({ cacheDir, keys: TEST_KEYS, key: "k" });
    const table = await ReuseTable.load({ cacheDir, keys: TEST_KEYS, key: "k" }, indexOf("a", "b", "c", "d"));

    const d = { group: "batch", version: "v1", resource: "jobs", uid: "u4", ...stored("d"), name: "d", kind: "Job" };
    expect([0, 1].map((i) => table.all?.entry(i))).toEqual([d, entryOf(objects[1] as never)]);
    expect(table.all?.count).toBe(2);
    expect(table.find(id("u1", "10"))).toBeUndefined();
    expect(table.find(objects[1]?.id as never)).toMatchObject({ blob: hex("b"), entry: 1 });
  });

  it.each([
    ["unencrypted", null],
    ["encrypted", TEST_KEYS],
  ] as const)("takes the last table's records in runs, new ones between, over many chunks (%s)", async (_, keys) => {
    const cacheDir = inTmp(`runs-${keys ? "encrypted" : "plain"}`);
    const deps = { cacheDir, keys, key: "k" };
    // 6,000 records of ~190 bytes: over 1 MiB, so the writer's chunks (64 KiB, then twice as
    // large each) fill several times
    const made = (i: number, tag: string) => ({
      id: id(`uid-${tag}-${i}`, `${i}`),
      stored: stored(`${tag}-${i}`),
      object: { name: `object-${tag}-${i}`.padEnd(40, "x"), kind: "ConfigMap", namespace: `ns-${i % 7}` },
    });
    const olds = Array.from({ length: 6000 }, (_, i) => made(i, "old"));
    const first = new ReuseTableBuilder();
    for (const o of olds) first.add(o.id, o.stored, o.object);
    await first.save(deps);
    const index = indexOf(...olds.map((o) => `old-${o.id.resourceVersion}`), ...olds.map((_, i) => `new-${i}`));
    const last = await ReuseTable.load(deps, index);

    const next = new ReuseTableBuilder(last);
    const expected: (typeof olds)[number][] = [];
    const order = olds.map((_, i) => i);
    order.splice(3000, 200, ...order.slice(3000, 3200).reverse()); // a stretch in the other order: runs of one
    for (const i of order) {
      if (i % 97 === 0) {
        const o = made(i, "new");
        next.add(o.id, o.stored, o.object);
        expected.push(o);
      }
      if (i % 13 === 0) continue; // gone
      next.addEntry(i);
      expected.push(olds[i] as (typeof olds)[number]);
    }
    await next.save(deps);
    const table = await ReuseTable.load(deps, index);

    expect(table.all?.count).toBe(expected.length);
    const entries = expected.map((_, k) => table.all?.entry(k));
    expect(entries).toEqual(expected.map((o) => entryOf(o as never)));
    for (const [k, o] of expected.entries()) expect(table.find(o.id)?.entry).toBe(k);
  });

  /** The table of objects[0] alone, saved unencrypted: its body (after the sha256) and its path. */
  async function oneEntry(cacheDir: string): Promise<{ body: Buffer; path: string }> {
    const builder = new ReuseTableBuilder();
    builder.add(id("u1", "10"), stored("a"), { name: "a", kind: "ConfigMap", namespace: "ns" });
    await builder.save({ cacheDir, keys: null, key: "k" });
    const path = join(cacheDir, "reuse", `${hex("k")}.table`);
    return { body: (await readFile(path)).subarray(32), path };
  }
  /** The record of oneEntry's table: its fixed part (49), uid, resourceVersion, name (2+) and owners (4+0). */
  const RECORD = 49 + 4 + 4 + 3 + 4;
  const changed = (body: Buffer, at: number, value: number, bytes: 1 | 4) => {
    const copy = Buffer.from(body);
    if (bytes === 1) copy.writeUInt8(value, at);
    else copy.writeUInt32LE(value, at);
    return copy;
  };

  it.each([
    ["truncated", (b: Buffer) => b.subarray(0, b.length - 3), /records' length/],
    ["cut in its header", (b: Buffer) => b.subarray(0, 10), /truncated/],
    ["of version 4", (b: Buffer) => changed(b, 4, 4, 4), /of version 4, not 3/],
    ["of version 2 (JSON)", () => Buffer.from(JSON.stringify({ version: 2, key: "k", entries: [] })), /version 2/],
    ["not a table", (b: Buffer) => changed(b, 0, 0x41, 1), /not a reuse table/],
    ["with a bytes after its records", (b: Buffer) => Buffer.concat([b, Buffer.alloc(1)]), /records' length/],
    ["with an entry naming no string", (b: Buffer) => changed(b, b.length - RECORD, 99, 4), /entry 0 names string 99/],
    ["with unknown flags", (b: Buffer) => changed(b, b.length - RECORD + 16, 2, 1), /entry 0 has flags 2/],
    ["with a string longer than the table", (b: Buffer) => changed(b, b.length - RECORD + 49, 250, 1), /truncated/],
    ["claiming more entries", (b: Buffer) => changed(b, b.length - RECORD - 8, 2, 4), /2 entries cannot fit/],
    ["claiming ten million entries", (b: Buffer) => changed(b, b.length - RECORD - 8, 1e7, 4), /cannot fit/],
  ])("is ignored, and says why, when %s (its checksum right)", async (name, mutate, reason) => {
    const cacheDir = inTmp(`bad-${name}`);
    const { body, path } = await oneEntry(cacheDir);
    const bad = mutate(body);
    await writeFile(path, Buffer.concat([createHash("sha256").update(bad).digest(), bad]));
    const told: string[] = [];
    const table = await ReuseTable.load(
      { cacheDir, keys: null, key: "k", onIgnored: (r) => told.push(r) },
      indexOf("a"),
    );

    expect(table.size).toBe(0);
    expect(table.base).toBeUndefined();
    expect(table.find(id("u1", "10"))).toBeUndefined();
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(reason);
  });

  it("is ignored, and says why, when it fails its check or is of another key; a missing one is not noted", async () => {
    const cacheDir = inTmp("bad-check");
    const { body, path } = await oneEntry(cacheDir);
    const told: string[] = [];
    const deps = { cacheDir, keys: null, key: "k", onIgnored: (r: string) => told.push(r) };
    await writeFile(path, Buffer.concat([createHash("sha256").update("other").digest(), body]));
    expect((await ReuseTable.load(deps, indexOf("a"))).size).toBe(0);
    await writeFile(
      join(cacheDir, "reuse", `${hex("k2")}.table`),
      await readFile(inTmp("round-trip", "reuse", `${hex("k")}.table`)),
    );
    expect((await ReuseTable.load({ ...deps, key: "k2" }, indexOf("a"))).size).toBe(0);
    expect((await ReuseTable.load({ ...deps, key: "none" }, indexOf("a"))).size).toBe(0);

    expect(told).toEqual([expect.stringMatching(/fails its check/), expect.stringMatching(/of another reuse key/)]);
  });
});
