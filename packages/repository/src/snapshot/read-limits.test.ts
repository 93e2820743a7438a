import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { gzipMembers, gzippedFill, paxEntry, sha256OfZeros, TAR_END, tarEntry, tarHeader } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IndexRecord } from "../archive/types.js";
import { IntegrityError, RepositoryFormatError, UnsafePathError } from "../errors.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import type { ObjectStore } from "../stores/object-store.js";
import { collect, draftManifest, testObjects, wrapStore } from "../test-support.js";
import { MAX_INDEX_LINE_BYTES, MAX_OBJECT_BYTES, TAR_END_SLACK, TAR_ENTRY_OVERHEAD } from "./read-limits.js";
import { openRepository } from "./repository.js";

const ID = "20261126T020000Z-0b0b0b0b";
const MiB = 1024 * 1024;
let tmp: string;
let n = 0;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-limits-test-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

interface Forged {
  /** The stored part (gzip); its hash in snapshot.json is right. */
  part: Buffer;
  /** Index records; their bytes sum to snapshot.json's `bytes`. */
  records: IndexRecord[];
  /** The stored index (gzip) instead of the records' own. */
  index?: Buffer;
}

/** A committed snapshot of one part, every hash right, in a store that counts the part bytes read. */
async function forge({ part, records, index }: Forged) {
  const dir = join(tmp, `forged-${++n}`);
  await mkdir(dir, { recursive: true });
  const indexGz = index ?? gzipSync(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const [partFile, indexFile] = [join(dir, "00000.tar.gz"), join(dir, "index.json.gz")];
  await writeFile(partFile, part);
  await writeFile(indexFile, indexGz);
  const local = createLocalObjectStore({ root: join(dir, "repo") });
  const read = { part: 0 };
  const store: ObjectStore = wrapStore(local, {
    get: async (key) => {
      const stream = await local.get(key);
      if (key.includes("/parts/")) stream.on("data", (chunk: Buffer) => (read.part += chunk.length));
      return stream;
    },
  });
  const repository = await openRepository({ format: 1, store });
  const counts = { configmaps: records.length };
  const bytes = records.reduce((sum, r) => sum + r.bytes, 0);
  const manifest = { ...draftManifest(ID, []), counts, objects: records.length, bytes };
  await repository.commitSnapshot({
    manifest,
    partFiles: [
      { n: 0, file: partFile, objects: records.length, bytes: part.length, uncompressedBytes: 0, sha256: sha256(part) },
    ],
    indexFile: { file: indexFile, records: records.length, bytes: indexGz.length, sha256: sha256(indexGz) },
  });
  return { repository, read, local, dir };
}

/** The record of a ConfigMap at `name` whose YAML is `bytes` long with this sha256. */
function record(name: string, bytes: number, sha: string): IndexRecord {
  const { record: r } = testObjects(1)[0]!;
  return { ...r, name, path: `namespaces/prod/configmaps/${name}.yaml`, bytes, sha256: sha };
}

describe("gzip bombs are refused without reading them", () => {
  it("an entry whose header claims 1 GiB while snapshot.json records 100 bytes: refused at the header", async () => {
    const bomb = Buffer.concat([
      gzipMembers(tarHeader({ name: "namespaces/prod/configmaps/bomb.yaml", size: 1024 * MiB })),
      gzippedFill(4096 * MiB), // more than announced: about 4 MiB stored, so a tenth is well above the read-ahead
    ]);
    const { repository, read } = await forge({ part: bomb, records: [record("bomb", 100, sha256OfZeros(100))] });

    const error = await collect(repository.readObjects(ID)).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toBe(
      `snapshots/${ID}/parts/00000.tar.gz: entry "namespaces/prod/configmaps/bomb.yaml" is 1073741824 bytes, more than an object may be (100)`,
    );
    expect(read.part).toBeLessThan(bomb.length / 10);
    expect((await repository.verify(ID)).problems[0]).toContain("is 1073741824 bytes, more than an object may be");
  });

  it(`an object of ${MAX_OBJECT_BYTES / MiB + 1} MiB whose records all match: refused by MAX_OBJECT_BYTES`, async () => {
    const size = MAX_OBJECT_BYTES + MiB;
    const part = Buffer.concat([
      gzipMembers(tarHeader({ name: "namespaces/prod/configmaps/big.yaml", size })),
      gzippedFill(size),
      gzipMembers(TAR_END),
    ]);
    const { repository } = await forge({ part, records: [record("big", size, sha256OfZeros(size))] });

    await expect(collect(repository.readObjects(ID))).rejects.toThrow(
      `is ${size} bytes, more than an object may be (${MAX_OBJECT_BYTES})`,
    );
  });

  it("4 GiB of zeros after the archive's end: refused once past what snapshot.json allows", async () => {
    const yaml = Buffer.from("kind: ConfigMap\n");
    const part = Buffer.concat([
      gzipMembers(tarEntry({ name: "namespaces/prod/configmaps/a.yaml" }, yaml), TAR_END),
      gzippedFill(4096 * MiB),
    ]);
    const { repository, read } = await forge({ part, records: [record("a", yaml.length, sha256(yaml))] });

    const started = Date.now();
    const { problems } = await repository.verify(ID);

    expect(problems).toEqual([
      `part 0: snapshots/${ID}/parts/00000.tar.gz: decompresses to more than ${16 + TAR_ENTRY_OVERHEAD + TAR_END_SLACK} bytes, ` +
        "more than snapshot.json's sizes allow (a gzip bomb?); refused before reading on",
    ]);
    expect(read.part).toBeLessThan(part.length / 10);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it.each([
    ["one line of 2 GiB", gzippedFill(2048 * MiB), `line 1 is longer than ${MAX_INDEX_LINE_BYTES} bytes`],
    ["2 GiB of empty lines", gzippedFill(2048 * MiB, 0x0a), "decompresses to more than"],
  ])("an index of %s: refused early", async (_label, index, message) => {
    const yaml = Buffer.from("kind: ConfigMap\n");
    const part = gzipMembers(tarEntry({ name: "namespaces/prod/configmaps/a.yaml" }, yaml), TAR_END);
    const { repository } = await forge({ part, records: [record("a", yaml.length, sha256(yaml))], index });

    const error = await collect(repository.readIndex(ID)).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toContain(`snapshots/${ID}/index.json.gz: ${message}`);
  });
});

describe("archives that hold more than snapshot.json records", () => {
  const yaml = Buffer.from("kind: ConfigMap\n");
  const entry = (name: string) => tarEntry({ name: `namespaces/prod/configmaps/${name}.yaml` }, yaml);

  it("a part with an entry more than it records", async () => {
    const part = gzipMembers(entry("a"), entry("b"), TAR_END);
    const { repository } = await forge({ part, records: [record("a", yaml.length, sha256(yaml))] });
    await expect(collect(repository.readObjects(ID))).rejects.toThrow(
      `snapshots/${ID}/parts/00000.tar.gz: more entries than the 1 objects snapshot.json records`,
    );
  });

  it("an index with a record more than snapshot.json records", async () => {
    const records = [record("a", yaml.length, sha256(yaml))];
    const index = gzipSync([...records, record("b", 1, sha256(yaml))].map((r) => `${JSON.stringify(r)}\n`).join(""));
    const { repository } = await forge({ part: gzipMembers(entry("a"), TAR_END), records, index });
    await expect(collect(repository.readIndex(ID))).rejects.toThrow("more than the 1 records snapshot.json records");
  });

  it("a PAX header over tar-stream's 4 MiB cap", async () => {
    const part = gzipMembers(
      tarHeader({ name: "PaxHeader", type: "pax", size: 5 * MiB }),
      Buffer.alloc(5 * MiB, 0x61),
      entry("a"),
      TAR_END,
    );
    const { repository } = await forge({ part, records: [record("a", yaml.length, sha256(yaml))] });
    await expect(collect(repository.readObjects(ID))).rejects.toThrow(
      "not a valid tar archive (Header exceeds max size)",
    );
  });

  it.each([
    ["a directory", "namespaces/prod/configmaps"],
    ["the namespace level", "namespaces/prod/a.yaml"],
    ["one level too deep", "namespaces/prod/configmaps/x/a.yaml"],
    ["no .yaml", "cluster/namespaces/prod"],
  ])("an entry at a path the layout never makes: %s", async (_label, path) => {
    const part = gzipMembers(paxEntry({ path }), entry("a"), TAR_END);
    const { repository } = await forge({ part, records: [record("a", yaml.length, sha256(yaml))] });
    const error = await collect(repository.readObjects(ID)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UnsafePathError);
    expect((error as Error).message).toContain(`unsafe path "${path}": not a path of the layout`);
  });
});

describe("snapshot.json that points elsewhere, and download's target directory", () => {
  const yaml = Buffer.from("kind: ConfigMap\n");
  const part = () => gzipMembers(tarEntry({ name: "namespaces/prod/configmaps/a.yaml" }, yaml), TAR_END);

  it("a part key of another snapshot is refused naming the field", async () => {
    const { repository, local } = await forge({ part: part(), records: [record("a", yaml.length, sha256(yaml))] });
    const manifest = await repository.getSnapshot(ID);
    const other = {
      ...manifest,
      parts: [{ ...manifest.parts[0]!, key: "snapshots/20200101T000000Z-00000000/parts/00000.tar.gz" }],
    };
    await local.put(`snapshots/${ID}/snapshot.json`, Buffer.from(JSON.stringify(other)));

    const error = await repository.getSnapshot(ID).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RepositoryFormatError);
    expect((error as Error).message).toBe(
      `snapshots/${ID}/snapshot.json: parts[0].key: must be snapshots/${ID}/parts/00000.tar.gz, got "snapshots/20200101T000000Z-00000000/parts/00000.tar.gz"`,
    );
  });

  it("download does not write through a symlink already in the target directory", async () => {
    const { repository, dir } = await forge({ part: part(), records: [record("a", yaml.length, sha256(yaml))] });
    const [to, outside] = [join(dir, "to"), join(dir, "outside")];
    await mkdir(join(to, "namespaces"), { recursive: true });
    await mkdir(outside);
    await symlink(outside, join(to, "namespaces", "prod"));

    const error = await repository.download(ID, to).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(UnsafePathError);
    expect((error as Error).message).toBe(
      'unsafe path "namespaces/prod": not a directory in the target directory (a symlink or a file)',
    );
    expect(await readdir(outside)).toEqual([]);
  });
});
