import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobIndex } from "./blob-index.js";
import { ReuseTable, ReuseTableBuilder } from "./reuse-table.js";
import { TEST_KEYS } from "./test-support.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-reuse-table-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

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
    const cacheDir = join(tmp, `${name}-find`);
    await saved(cacheDir, keys);
    const table = await ReuseTable.load({ cacheDir, keys, key: "k" }, indexOf("a", "b", "c"));

    expect(table.size).toBe(2);
    expect(table.find(id("u1", "10"))).toEqual({ ...stored("a"), entry: 0 });
    expect(table.find(id("u2", "11"))).toEqual({ ...stored("b", hex("b plaintext")), entry: 1 });
    expect(table.find(id("u1", "11"))).toBeUndefined();
    expect(table.find({ ...id("u1", "10"), type: "apps/v1/deployments" })).toBeUndefined();
  });

  it("leaves out entries whose blob the repository no longer has, but keeps them in its snapshot's tree", async () => {
    const cacheDir = join(tmp, `${name}-pruned`);
    await saved(cacheDir, keys);
    const table = await ReuseTable.load({ cacheDir, keys, key: "k" }, indexOf("b"));

    expect(table.find(id("u1", "10"))).toBeUndefined();
    expect(table.find(id("u2", "11"))).toBeDefined();
    expect(table.base).toMatchObject({ snapshot: "s1", tree: hex("tree"), depth: 1, patched: 2 });
    expect(table.base?.entries.map((e) => [e[1], e[6], e[7]])).toEqual([
      ["u1", "ns", "a"],
      ["u2", "", "b"],
      ["", "", "c"],
    ]);
  });

  it("holds no snapshot's tree when saved without one", async () => {
    const cacheDir = join(tmp, `${name}-no-base`);
    const builder = new ReuseTableBuilder();
    builder.add(id("u1", "10"), stored("a"), { name: "a", kind: "ConfigMap" });
    await builder.save({ cacheDir, keys, key: "k" });
    const table = await ReuseTable.load({ cacheDir, keys, key: "k" }, indexOf("a"));

    expect(table.size).toBe(1);
    expect(table.base).toBeUndefined();
  });

  it("is empty for another key, or when its file is damaged", async () => {
    const cacheDir = join(tmp, `${name}-damaged`);
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
  const cacheDir = join(tmp, "sealed");
  await saved(cacheDir, TEST_KEYS);
  const [file] = await readdir(join(cacheDir, "reuse"));
  const text = (await readFile(join(cacheDir, "reuse", file as string))).toString("latin1");

  expect(text).not.toContain(hex("b plaintext"));
  expect(text).not.toContain(`"u1"`); // quoted: two random bytes of a sealed file may well read u1
  expect(await ReuseTable.load({ cacheDir, keys: null, key: "k" }, indexOf("a", "b"))).toHaveProperty("size", 0);
});

it("holds an entry's blob only when the index held it when the table was loaded", async () => {
  const cacheDir = join(tmp, "holds");
  await saved(cacheDir, null);
  const table = await ReuseTable.load({ cacheDir, keys: null, key: "k" }, indexOf("b", "c"));

  expect(table.holds(0, hex("a"))).toBe(false); // pruned
  expect(table.holds(1, hex("b"))).toBe(true);
  expect(table.holds(1, hex("a"))).toBe(false); // not that entry's blob
  expect(table.holds(2, hex("c"))).toBe(false); // no uid: not in the table's lookup
  expect(table.holds(7, hex("b"))).toBe(false);
});

it("is empty, with no snapshot's tree, when an entry or its base is not of the table's shape", async () => {
  const cacheDir = join(tmp, "shape");
  const file = join(cacheDir, "reuse", `${hex("k")}.table`);
  const write = async (body: unknown) => {
    const data = Buffer.from(JSON.stringify(body));
    await writeFile(file, Buffer.concat([createHash("sha256").update(data).digest(), data]));
  };
  await saved(cacheDir, null); // makes the directory
  const good = ["/v1/configmaps", "u1", "10", hex("a"), "", 1, "ns", "a", "ConfigMap", null];
  await write({ version: 2, key: "k", base: null, entries: [good, [...good.slice(0, 9), "owner"]] });
  expect((await ReuseTable.load({ cacheDir, keys: null, key: "k" }, indexOf("a"))).size).toBe(0);

  await write({ version: 2, key: "k", base: { snapshot: "s", tree: 7, depth: 0, patched: 0 }, entries: [good] });
  const table = await ReuseTable.load({ cacheDir, keys: null, key: "k" }, indexOf("a"));
  expect(table.size).toBe(1);
  expect(table.base).toBeUndefined();
});
