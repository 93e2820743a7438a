// migrateRepository on a local directory: damaged format-1 snapshots are reported and left whole;
// a run that dies between a snapshot's commit and the deletion of its format-1 files is finished
// by the next; format-1 snapshots in a format-2 repository are migrated too.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { snapshotIndexKey, snapshotManifestKey, snapshotPartKey } from "../snapshot/layout.js";
import { openRepository } from "../snapshot/repository.js";
import { createLocalObjectStore, type LocalObjectStore } from "../stores/local-object-store.js";
import type { ObjectStore } from "../stores/object-store.js";
import { collect, stageSnapshot, testObjects, wrapStore } from "../test-support.js";
import { migrateRepository } from "./migrate.js";
import { format1CopyKey } from "./migrate-snapshot.js";

let tmp: string;
let local: LocalObjectStore;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-migrate-test-"));
  local = createLocalObjectStore({ root: join(tmp, "repo") });
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const IDS = ["20261101T010000Z-00000001", "20261101T020000Z-00000002", "20261101T030000Z-00000003"];

/** Three format-1 snapshots of 12 objects, an hour apart, in several parts each. */
async function writeFormat1(): Promise<void> {
  const repository = await openRepository({ store: local, format: 1 });
  for (const [n, id] of IDS.entries()) {
    const input = await stageSnapshot(join(tmp, `scratch-${id}`), id, testObjects(12), 300);
    input.manifest = { ...input.manifest, time: `2026-11-01T0${n + 1}:00:00.000Z` };
    await repository.commitSnapshot(input);
  }
}

const keysOf = async (store: ObjectStore, prefix: string) => (await collect(store.list(prefix))).map((e) => e.key);
const formatOf = async (id: string) =>
  JSON.parse((await local.getBuffer(snapshotManifestKey(id))).toString("utf8")).formatVersion;

async function readBack(id: string): Promise<Map<string, string>> {
  const repository = await openRepository({ store: local });
  const objects = new Map<string, string>();
  for await (const o of repository.readObjects(id)) objects.set(o.path, o.data.toString("utf8"));
  return objects;
}

const expected = () => new Map(testObjects(12).map((o) => [o.record.path, o.data.toString("utf8")]));

describe("migrateRepository", () => {
  it("reports damaged format-1 snapshots by id, key and reason, leaves them whole and migrates the others", async () => {
    await writeFormat1();
    const [first, second, third] = IDS as [string, string, string];
    await local.put(snapshotPartKey(first, 1), Buffer.from("not a gzip part"));
    await local.put(snapshotManifestKey(second), Buffer.from("{ truncated"));
    const before = new Set([
      ...(await keysOf(local, `snapshots/${first}/`)),
      ...(await keysOf(local, `snapshots/${second}/`)),
    ]);
    const progress: string[] = [];
    const report = await migrateRepository({
      store: local,
      onProgress: (p) => p.finished && progress.push(`${p.snapshot} ${p.snapshotsDone}/${p.snapshotsTotal}`),
    });
    expect(report.snapshots.map((s) => s.id)).toEqual([third]);
    expect(progress).toEqual([`${third} 1/2`]);
    expect(report.damaged.map((d) => [d.id, d.key])).toEqual([
      [second, snapshotManifestKey(second)],
      [first, snapshotManifestKey(first)],
    ]);
    expect(report.damaged[0]?.reason).toMatch(/not valid JSON|JSON/);
    expect(report.damaged[1]?.reason).toMatch(new RegExp(snapshotPartKey(first, 1).replace(/\./g, "\\.")));
    expect(await formatOf(first)).toBe(1);
    expect(
      new Set([...(await keysOf(local, `snapshots/${first}/`)), ...(await keysOf(local, `snapshots/${second}/`))]),
    ).toEqual(before);
    expect(await readBack(third)).toEqual(expected());
    expect(await keysOf(local, "locks/")).toEqual([]);
  });

  it("finishes a snapshot committed as format 2 whose format-1 files a dead run left", async () => {
    await writeFormat1();
    const [first] = IDS as [string];
    const dying = wrapStore(local, {
      delete: async (key) => {
        if (key === snapshotPartKey(first, 0)) throw new Error("killed");
        await local.delete(key);
      },
    });
    await expect(migrateRepository({ store: dying })).rejects.toThrow("killed");
    await local.delete((await keysOf(local, "locks/"))[0] ?? "none"); // the dead run's lock
    expect(await formatOf(first)).toBe(2);
    expect(await keysOf(local, `snapshots/${first}/`)).toEqual(
      expect.arrayContaining([format1CopyKey(first), snapshotIndexKey(first), snapshotPartKey(first, 0)]),
    );
    expect(await readBack(first)).toEqual(expected());
    expect(await formatOf(IDS[1] as string)).toBe(1);

    const dry = await migrateRepository({ store: local, dryRun: true });
    expect(dry).toMatchObject({ formatBefore: 2, finished: [first], snapshots: [{ id: IDS[1] }, { id: IDS[2] }] });
    const report = await migrateRepository({ store: local });
    expect(report.finished).toEqual([first]);
    expect(report.snapshots.map((s) => s.id)).toEqual(IDS.slice(1));
    for (const id of IDS) {
      expect(await keysOf(local, `snapshots/${id}/`)).toEqual([snapshotManifestKey(id)]);
      expect(await readBack(id)).toEqual(expected());
    }
  });

  it("puts format 1's snapshot.json back when the format-2 snapshot does not read back", async () => {
    await writeFormat1();
    const damaging = wrapStore(local, {
      getBuffer: async (key, maxBytes) => {
        const data = await local.getBuffer(key, maxBytes);
        return key.startsWith("data/") ? Buffer.concat([data.subarray(0, data.length - 1), Buffer.from([0])]) : data;
      },
    });
    const report = await migrateRepository({ store: damaging });
    expect(report.snapshots).toEqual([]);
    expect(report.damaged.map((d) => d.id)).toEqual(IDS);
    for (const id of IDS) expect(await formatOf(id)).toBe(1);
    expect(await keysOf(local, `snapshots/${IDS[0]}/`)).toEqual(
      expect.arrayContaining([snapshotIndexKey(IDS[0] as string), snapshotPartKey(IDS[0] as string, 0)]),
    );
    const again = await migrateRepository({ store: local });
    expect(again.snapshots.map((s) => s.id)).toEqual(IDS);
    for (const id of IDS) expect(await readBack(id)).toEqual(expected());
  });

  it("refuses a location without repository.json, writing nothing", async () => {
    await expect(migrateRepository({ store: local })).rejects.toThrow(/repository\.json.*missing/);
    expect(await keysOf(local, "")).toEqual([]);
  });
});
