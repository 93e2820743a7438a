import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SnapshotNotFoundError } from "../errors.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import type { ObjectStore } from "../stores/object-store.js";
import { createS3ObjectStore } from "../stores/s3-object-store.js";
import { s3TestOptions, stageSnapshot, testObjects } from "../test-support.js";
import { openRepository } from "./repository.js";
import type { SnapshotManifest } from "./types.js";

const env = inject("testenv");
const ID = "20261126T020000Z-0a1b2c3d";
let tmp: string;
let n = 0;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-check-stored-test-"));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

type Damage = (store: ObjectStore, manifest: SnapshotManifest) => Promise<string[]>;

/** Each damage to part 1 (or the index), and the problems checkStored reports for it. */
const damages: [string, Damage, boolean][] = [
  [
    "a truncated part",
    async (store, { parts: [, part] }) => {
      await store.put(part!.key, (await store.getBuffer(part!.key)).subarray(0, part!.bytes - 10));
      return [`part 1: ${part!.key}: ${part!.bytes - 10} bytes stored, snapshot.json records ${part!.bytes}`];
    },
    false,
  ],
  [
    "a missing part",
    async (store, { parts: [, part] }) => {
      await store.delete(part!.key);
      return [`part 1 is missing: ${part!.key}`];
    },
    false,
  ],
  [
    "a missing index",
    async (store, { index }) => {
      await store.delete(index.key);
      return [`index is missing: ${index.key}`];
    },
    false,
  ],
  [
    // The trade-off of a check that reads nothing: only verify (reading the data) sees this.
    "a part overwritten with other bytes of the same size",
    async (store, { parts: [, part] }) => {
      await store.put(part!.key, Buffer.alloc(part!.bytes, 0x5a));
      return [];
    },
    true,
  ],
];

const stores: [string, () => ObjectStore][] = [
  ["a local repository", () => createLocalObjectStore({ root: join(tmp, `repo-${++n}`) })],
  ["an S3 repository", () => createS3ObjectStore(s3TestOptions(env, "kubedump-check-stored", `check-${++n}`))],
];

describe.each(stores)("checkStored in %s", (_label, createStore) => {
  async function committed() {
    const store = createStore();
    const repository = await openRepository({ format: 1, store });
    const manifest = await repository.commitSnapshot(
      await stageSnapshot(join(tmp, `scratch-${++n}`), ID, testObjects(60), 1500),
    );
    expect(manifest.parts.length).toBeGreaterThanOrEqual(3);
    return { store, repository, manifest };
  }

  it("finds every stored file of a sound snapshot at its recorded size", async () => {
    const { repository, manifest } = await committed();
    const files = manifest.parts.length + 1;
    expect(await repository.checkStored(ID)).toEqual({ id: ID, ok: true, files, filesOk: files, problems: [] });
  });

  it.each(damages)("on %s reports what it sees (verify reads the data)", async (_name, damage, unseen) => {
    const { store, repository, manifest } = await committed();
    const problems = await damage(store, manifest);
    const report = await repository.checkStored(ID);
    expect(report).toMatchObject({ ok: unseen, problems, filesOk: manifest.parts.length + 1 - problems.length });
    expect((await repository.verify(ID)).ok).toBe(false);
  });

  it("throws SnapshotNotFoundError for a snapshot that is not committed", async () => {
    const { repository } = await committed();
    await expect(repository.checkStored("20991231T000000Z-00000000")).rejects.toBeInstanceOf(SnapshotNotFoundError);
  });
});
