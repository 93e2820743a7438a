import { createHash } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RepositoryFormatError, SnapshotExistsError, SnapshotNotFoundError } from "../errors.js";
import { createLocalObjectStore, type LocalObjectStore } from "../stores/local-object-store.js";
import type { ObjectStore } from "../stores/object-store.js";
import { collect, recordingStore, stageSnapshot, testObjects } from "../test-support.js";
import { openRepository } from "./repository.js";

const ID1 = "20261126T020000Z-0a1b2c3d";
const ID2 = "20261127T020000Z-00000000";
const ID3 = "20261128T020000Z-ffffffff";

let tmp: string;
let local: LocalObjectStore;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-repository-test-"));
  local = createLocalObjectStore({ root: join(tmp, "repo") });
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Stages a snapshot of `count` objects in its own scratch dir and commits it. */
async function commit(id: string, count: number, maxPartBytes?: number) {
  const repository = await openRepository({ format: 1, store: local });
  const input = await stageSnapshot(join(tmp, `scratch-${id}`), id, testObjects(count), maxPartBytes);
  return repository.commitSnapshot(input);
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

describe("commitSnapshot", () => {
  it("uploads the parts in order and the index alongside them, then snapshot.json last", async () => {
    const { store, log } = recordingStore(local);
    const repository = await openRepository({ format: 1, store });
    const input = await stageSnapshot(join(tmp, "scratch"), ID1, testObjects(30), 400);
    expect(input.partFiles.length).toBeGreaterThanOrEqual(3);

    await repository.commitSnapshot(input);

    const partPuts = input.partFiles.map((p) => `put snapshots/${ID1}/parts/0000${p.n}.tar.gz`);
    expect(log[0]).toBe("put repository.json");
    expect(log.at(-1)).toBe(`put snapshots/${ID1}/snapshot.json`);
    expect(log.filter((l) => l.includes("/parts/"))).toEqual(partPuts);
    expect([...log].sort()).toEqual(
      [
        "put repository.json",
        ...partPuts,
        `put snapshots/${ID1}/index.json.gz`,
        `put snapshots/${ID1}/snapshot.json`,
      ].sort(),
    );
  });

  it("fails the commit, writing no snapshot.json, when the index upload fails, and only after the parts settled", async () => {
    const { store: recording, log } = recordingStore(local);
    const refused = new Error("index upload refused");
    const store: ObjectStore = {
      ...recording,
      adoptFile: async (key, file) => !key.endsWith("index.json.gz") && (recording.adoptFile?.(key, file) ?? false),
      put: async (key, body) => {
        if (key.endsWith("index.json.gz")) throw refused;
        return recording.put(key, body);
      },
    };
    const repository = await openRepository({ format: 1, store });
    const input = await stageSnapshot(join(tmp, "scratch-bad-index"), ID1, testObjects(30), 400);

    await expect(repository.commitSnapshot(input)).rejects.toBe(refused);
    expect(log.filter((l) => l.includes("/parts/"))).toHaveLength(input.partFiles.length);
    expect(log).not.toContain(`put snapshots/${ID1}/snapshot.json`);
    expect(await local.stat(`snapshots/${ID1}/snapshot.json`)).toBeUndefined();
  });

  it("links the scratch files into a local repository on the same filesystem instead of copying them", async () => {
    const repository = await openRepository({ format: 1, store: local });
    const input = await stageSnapshot(join(tmp, "scratch-linked"), ID1, testObjects(30), 400);
    const manifest = await repository.commitSnapshot(input);
    const files = [...input.partFiles.map((p) => p.file), input.indexFile.file];
    const keys = [...manifest.parts.map((p) => p.key), manifest.index.key];
    for (const [i, file] of files.entries()) {
      expect((await stat(join(tmp, "repo", keys[i] as string))).ino).toBe((await stat(file)).ino);
    }
  });

  it("records each part and the index as stored", async () => {
    const manifest = await commit(ID1, 30, 400);

    for (const part of manifest.parts) {
      const stored = await local.getBuffer(part.key);
      expect(part).toMatchObject({ bytes: stored.length, sha256: sha256(stored) });
    }
    const index = await local.getBuffer(manifest.index.key);
    expect(manifest.index).toEqual({
      key: `snapshots/${ID1}/index.json.gz`,
      records: 30,
      bytes: index.length,
      sha256: sha256(index),
    });
    expect(manifest.parts.reduce((sum, p) => sum + p.objects, 0)).toBe(30);
    expect(manifest.storedBytes).toBe(manifest.parts.reduce((sum, p) => sum + p.bytes, index.length));
    expect(JSON.parse((await local.getBuffer(`snapshots/${ID1}/snapshot.json`)).toString())).toEqual(manifest);
  });

  it("creates repository.json once, unencrypted", async () => {
    const now = () => new Date("2026-11-26T01:59:00Z");
    const repository = await openRepository({ format: 1, store: local, now });
    await repository.commitSnapshot(await stageSnapshot(join(tmp, "a"), ID1, testObjects(2)));
    const first = await local.getBuffer("repository.json");
    const again = await openRepository({ format: 1, store: local, now: () => new Date("2030-01-01T00:00:00Z") });
    await again.commitSnapshot(await stageSnapshot(join(tmp, "b"), ID2, testObjects(2)));

    expect(JSON.parse(first.toString())).toEqual({
      formatVersion: 1,
      created: "2026-11-26T01:59:00.000Z",
      encryption: null,
    });
    expect(await local.getBuffer("repository.json")).toEqual(first);
  });

  it("refuses to overwrite a committed snapshot", async () => {
    await commit(ID1, 3);
    await expect(commit(ID1, 3)).rejects.toBeInstanceOf(SnapshotExistsError);
  });

  it("refuses a manifest whose object count disagrees with parts and index", async () => {
    const repository = await openRepository({ format: 1, store: local });
    const input = await stageSnapshot(join(tmp, "scratch"), ID1, testObjects(3));
    input.manifest.objects = 4;
    await expect(repository.commitSnapshot(input)).rejects.toThrow(
      /manifest counts 4 objects, parts hold 3, index holds 3/,
    );
    expect(await collect(local.list("snapshots/"))).toEqual([]);
  });
});

describe("listSnapshots, getSnapshot, listUnfinished", () => {
  it("lists committed snapshots by id and skips those without snapshot.json", async () => {
    await commit(ID3, 2);
    await commit(ID1, 2);
    await local.put(`snapshots/${ID2}/parts/00000.tar.gz`, Buffer.from("an upload that never finished"));
    const repository = await openRepository({ format: 1, store: local });

    expect((await repository.listSnapshots()).map((m) => m.id)).toEqual([ID1, ID3]);
    await expect(repository.getSnapshot(ID2)).rejects.toBeInstanceOf(SnapshotNotFoundError);
  });

  it("reports unfinished snapshot directories with their newest object time", async () => {
    await commit(ID1, 2);
    await local.put(`snapshots/${ID2}/parts/00000.tar.gz`, Buffer.from("12345"));
    await local.put(`snapshots/${ID2}/parts/00001.tar.gz`, Buffer.from("123"));
    const repository = await openRepository({ format: 1, store: local });

    const unfinished = await repository.listUnfinished();
    expect(unfinished).toEqual([{ id: ID2, keys: 2, bytes: 8, lastModified: expect.any(Date) }]);
    const newest = (await local.stat(`snapshots/${ID2}/parts/00001.tar.gz`))?.mtime;
    expect(unfinished[0]?.lastModified?.getTime()).toBeGreaterThanOrEqual(newest?.getTime() ?? Number.NaN);
  });

  it.each([
    ["an unknown id", "20991231T235959Z-deadbeef"],
    ["a malformed id", "../../etc/passwd"],
    ["an empty id", ""],
  ])("getSnapshot of %s throws SnapshotNotFoundError naming it", async (_label, id) => {
    const repository = await openRepository({ format: 1, store: local });
    const error = await repository.getSnapshot(id).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SnapshotNotFoundError);
    expect((error as Error).message).toContain(`"${id}"`);
    expect((error as SnapshotNotFoundError).id).toBe(id);
  });

  it("fails on a snapshot.json it cannot read, naming the key", async () => {
    await local.put(`snapshots/${ID1}/snapshot.json`, Buffer.from("{not json"));
    const repository = await openRepository({ format: 1, store: local });
    await expect(repository.listSnapshots()).rejects.toThrow(`snapshots/${ID1}/snapshot.json: not valid JSON`);
  });

  it("scanSnapshots lists the readable ones, apart from an unreadable snapshot.json and a truncated part", async () => {
    await commit(ID1, 2);
    const second = await commit(ID2, 2);
    await commit(ID3, 2);
    await local.put(`snapshots/${ID1}/snapshot.json`, Buffer.from('{"formatVersion": 1, "id": '));
    const part = second.parts[0]!;
    await local.put(part.key, (await local.getBuffer(part.key)).subarray(0, 10));
    const repository = await openRepository({ format: 1, store: local });

    const { snapshots, unreadable, mismatched } = await repository.scanSnapshots();

    expect(snapshots.map((m) => m.id)).toEqual([ID2, ID3]);
    expect(unreadable.map((u) => [u.id, u.key, u.error.message])).toEqual([
      [ID1, `snapshots/${ID1}/snapshot.json`, `snapshots/${ID1}/snapshot.json: not valid JSON`],
    ]);
    expect(mismatched).toEqual([
      { id: ID2, problems: [`part 0: ${part.key}: 10 bytes stored, snapshot.json records ${part.bytes}`] },
    ]);
  });

  it.each([
    ["a format it does not know", { formatVersion: 3, created: "x", encryption: null }, /unsupported formatVersion 3/],
    [
      "malformed encryption",
      { formatVersion: 1, created: "x", encryption: { kdf: "argon2id" } },
      /encryption parameters missing or malformed/,
    ],
  ])("openRepository refuses a repository.json with %s", async (_label, config, message) => {
    await local.put("repository.json", Buffer.from(JSON.stringify(config)));
    const error = await openRepository({ format: 1, store: local }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RepositoryFormatError);
    expect((error as Error).message).toMatch(message);
  });
});

describe("deleteSnapshot", () => {
  it("deletes snapshot.json first, then everything else of the snapshot", async () => {
    await commit(ID1, 30, 400);
    await commit(ID2, 2);
    const { store, log } = recordingStore(local);
    const repository = await openRepository({ format: 1, store });
    const before = await collect(local.list(`snapshots/${ID1}/`));

    const result = await repository.deleteSnapshot(ID1);

    expect(log[0]).toBe(`delete snapshots/${ID1}/snapshot.json`);
    expect([...log].sort()).toEqual(before.map((e) => `delete ${e.key}`).sort());
    expect(result).toEqual({ keys: before.length, bytes: before.reduce((sum, e) => sum + e.size, 0) });
    expect(await collect(local.list(`snapshots/${ID1}/`))).toEqual([]);
    expect((await repository.listSnapshots()).map((m) => m.id)).toEqual([ID2]);
    await expect(repository.getSnapshot(ID1)).rejects.toBeInstanceOf(SnapshotNotFoundError);
  });

  it("is safe to repeat and removes unfinished leftovers", async () => {
    await local.put(`snapshots/${ID2}/parts/00000.tar.gz`, Buffer.from("leftover"));
    const repository = await openRepository({ format: 1, store: local });

    expect(await repository.deleteSnapshot(ID2)).toEqual({ keys: 1, bytes: 8 });
    expect(await repository.deleteSnapshot(ID2)).toEqual({ keys: 0, bytes: 0 });
    expect(await repository.listUnfinished()).toEqual([]);
  });

  it("rejects a malformed id", async () => {
    const repository = await openRepository({ format: 1, store: local });
    await expect(repository.deleteSnapshot("snapshots")).rejects.toBeInstanceOf(SnapshotNotFoundError);
  });
});
