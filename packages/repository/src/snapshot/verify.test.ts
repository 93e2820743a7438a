import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SnapshotNotFoundError } from "../errors.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import type { ObjectStore } from "../stores/object-store.js";
import { createS3ObjectStore } from "../stores/s3-object-store.js";
import { createIndexWriter } from "../archive/index-writer.js";
import {
  draftManifest,
  type RawEntry,
  rawPartFile,
  s3TestOptions,
  stageSnapshot,
  type TestObject,
  testObjects,
} from "../test-support.js";
import { openRepository, type RepositoryOptions } from "./repository.js";

const env = inject("testenv");
const ID = "20261126T020000Z-0a1b2c3d";
let tmp: string;
let n = 0;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-verify-test-"));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const setups: [string, () => ObjectStore, Partial<RepositoryOptions>][] = [
  ["a local repository", () => createLocalObjectStore({ root: join(tmp, `repo-${++n}`) }), {}],
  ["an S3 repository", () => createS3ObjectStore(s3TestOptions(env, "kubedump-verify", "verify")), {}],
  [
    "an encrypted S3 repository",
    () => createS3ObjectStore(s3TestOptions(env, "kubedump-verify", "verify-enc")),
    { password: "pw", kdf: { N: 2 ** 12 } },
  ],
];

describe.each(setups)("verify in %s", (_label, createStore, options) => {
  /** A committed snapshot of 60 objects in several parts. */
  async function committed() {
    const store = createStore();
    const repository = await openRepository({ format: 1, store, ...options });
    const manifest = await repository.commitSnapshot(
      await stageSnapshot(join(tmp, `scratch-${++n}`), ID, testObjects(60), 1500),
    );
    expect(manifest.parts.length).toBeGreaterThanOrEqual(3);
    return { store, repository, manifest };
  }

  it("reports a sound snapshot as ok, every object checked", async () => {
    const { repository, manifest } = await committed();
    expect(await repository.verify(ID)).toEqual({
      id: ID,
      ok: true,
      partsOk: manifest.parts.length,
      parts: manifest.parts.length,
      objectsOk: 60,
      objects: 60,
      problems: [],
    });
  });

  it("catches one flipped byte in a part, naming the part", async () => {
    const { store, repository, manifest } = await committed();
    const part = manifest.parts[1]!;
    const bytes = await store.getBuffer(part.key);
    bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] as number) ^ 0x01;
    await store.put(part.key, bytes);

    const report = await repository.verify(ID);

    expect(report.ok).toBe(false);
    expect(report.partsOk).toBe(manifest.parts.length - 1);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toContain(`part 1: ${part.key}: `);
  });

  it("catches a missing part and goes on with the others", async () => {
    const { store, repository, manifest } = await committed();
    await store.delete(manifest.parts[0]!.key);

    const report = await repository.verify(ID);

    expect(report.problems).toEqual([`part 0 is missing: ${manifest.parts[0]!.key}`]);
    expect(report.objectsOk).toBe(60 - manifest.parts[0]!.objects);
  });

  it("catches counts that disagree with the index", async () => {
    const { store, repository, manifest } = await committed();
    const changed = { ...manifest, counts: { ...manifest.counts, configmaps: 999 } };
    changed.parts = manifest.parts.map((p, i) => (i === 2 ? { ...p, objects: p.objects + 1 } : p));
    await store.put(`snapshots/${ID}/snapshot.json`, Buffer.from(JSON.stringify(changed)));

    const { problems } = await repository.verify(ID);

    expect(problems).toEqual([
      "configmaps: 20 objects in the index, snapshot.json counts 999",
      `snapshot.json: parts hold 61 objects, objects says 60`,
      `${manifest.parts[2]!.key}: ${manifest.parts[2]!.objects} objects, snapshot.json records ${manifest.parts[2]!.objects + 1}`,
    ]);
  });

  it("throws SnapshotNotFoundError for a snapshot that is not committed", async () => {
    const { repository } = await committed();
    await expect(repository.verify("20991231T000000Z-00000000")).rejects.toBeInstanceOf(SnapshotNotFoundError);
  });
});

describe("verify of a forged snapshot (every hash correct)", () => {
  /** Commits `objects` as one part whose entries are `entries` (default: the objects' own), index and all. */
  async function forged(
    objects: TestObject[],
    entries = objects.map((o): RawEntry => ({ path: o.record.path, data: o.data })),
  ) {
    const scratch = join(tmp, `forged-${++n}`);
    const part = await rawPartFile(join(scratch, "00000.tar.gz"), 0, entries);
    const index = createIndexWriter({ file: join(scratch, "index.json.gz") });
    await index.add(objects.map((o) => o.record));
    const repository = await openRepository({
      format: 1,
      store: createLocalObjectStore({ root: join(tmp, `repo-${++n}`) }),
    });
    const manifest = draftManifest(ID, objects);
    await repository.commitSnapshot({ manifest, partFiles: [part], indexFile: await index.finish() });
    return repository;
  }
  const twoObjects = () => testObjects(2);

  it("reports an entry that climbs out, and the index path that names it", async () => {
    const objects = twoObjects();
    objects[1]!.record.path = "../escaped.yaml";
    const { ok, problems } = await (await forged(objects)).verify(ID);
    expect(ok).toBe(false);
    expect(problems).toContain(
      `snapshots/${ID}/index.json.gz: "../escaped.yaml" is not a safe path: segment ".." not allowed`,
    );
    expect(problems.some((p) => p.startsWith('part 0: unsafe path "../escaped.yaml"'))).toBe(true);
  });

  it.each(["symlink", "link", "directory"] as const)("reports a %s entry", async (type) => {
    const objects = twoObjects();
    const [first, second] = objects.map((o) => ({ path: o.record.path, data: o.data }));
    const entries: RawEntry[] = [first!, { ...second!, type, linkname: "/etc/passwd" }];
    const { problems } = await (await forged(objects, entries)).verify(ID);
    expect(problems[0]).toBe(
      `part 0: unsafe path "${objects[1]!.record.path}": a ${type} entry: only regular files are allowed`,
    );
  });

  it("reports an index path that is not its record's", async () => {
    const objects = twoObjects();
    const path = objects[0]!.record.path;
    objects[0]!.record.path = path.replace("obj-0", "obj-7");
    const { problems } = await (await forged(objects)).verify(ID);
    expect(problems).toContain(
      `snapshots/${ID}/index.json.gz: "${objects[0]!.record.path}" is not the path of its record (${path})`,
    );
  });
});
