// Diffs and histories against a repository on the test environment's MinIO, counting the store's
// GETs through a double of our own ObjectStore: only the parts that hold what differs are read.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ObjectStore } from "../stores/object-store.js";
import { createS3ObjectStore } from "../stores/s3-object-store.js";
import { openRepository, type Repository } from "../snapshot/repository.js";
import { bigObjects, s3TestOptions, stageSnapshot, type TestObject, testObjects, wrapStore } from "../test-support.js";
import { diffSides, snapshotSide } from "./diff-sides.js";
import { objectHistory } from "./object-history.js";

const env = inject("testenv");
const BUCKET = "kubedump-diff";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-diff-test-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A MinIO store whose GETs are logged with the bytes each one delivered (so far). */
function countingStore(prefix: string): { store: ObjectStore; gets: { key: string; bytes: number }[] } {
  const inner = createS3ObjectStore(s3TestOptions(env, BUCKET, prefix));
  const gets: { key: string; bytes: number }[] = [];
  const store = wrapStore(inner, {
    async get(key) {
      const entry = { key, bytes: 0 };
      gets.push(entry);
      const body = await inner.get(key);
      const counted = new PassThrough();
      body.on("data", (chunk: Buffer) => {
        entry.bytes += chunk.length;
      });
      body.on("error", (err) => counted.destroy(err));
      counted.on("close", () => body.destroy());
      return body.pipe(counted);
    },
  });
  return { store, gets };
}

/** A copy of `objects` with new records (stageSnapshot writes each record's part). */
function copy(objects: TestObject[]): TestObject[] {
  return objects.map((o) => ({ record: { ...o.record }, data: o.data }));
}

function edited(object: TestObject, extra: string): TestObject {
  const data = Buffer.concat([object.data, Buffer.from(extra)]);
  const sha256 = createHash("sha256").update(data).digest("hex");
  return { record: { ...object.record, sha256, bytes: data.length }, data };
}

let n = 0;
async function commit(repository: Repository, id: string, objects: TestObject[], maxPartBytes = 2000) {
  return repository.commitSnapshot(await stageSnapshot(join(tmp, `scratch-${n++}`), id, objects, maxPartBytes));
}

const partKeys = (gets: { key: string }[]) => gets.map((g) => g.key).filter((k) => k.includes("/parts/"));

describe("a diff of two snapshots on MinIO", () => {
  it("reads the indexes, and of the parts only those that hold the changed objects", async () => {
    const { store, gets } = countingStore("two");
    const repository = await openRepository({ format: 1, store });
    const a = copy(testObjects(300));
    const changedAt = [10, 150, 290];
    const b = copy(a).filter((_, i) => i !== 77);
    for (const i of changedAt) {
      const at = b.findIndex((o) => o.record.path === a[i]?.record.path);
      b[at] = edited(b[at] as TestObject, "  edited: true\n");
    }
    b.push(testObjects(301)[300] as TestObject);
    const [ma, mb] = [
      await commit(repository, "20261126T020000Z-0000000a", a),
      await commit(repository, "20261127T020000Z-0000000b", b),
    ];
    expect(ma.parts.length).toBeGreaterThan(10);
    gets.length = 0;

    const diff = await diffSides(snapshotSide(repository, ma.id), snapshotSide(repository, mb.id));
    expect(diff.counts).toEqual({ added: 1, removed: 1, changed: 3, unchanged: 296 });
    const changed = diff.objects.filter((o) => o.change === "changed");
    expect(changed.map((o) => o.path).sort()).toEqual(changedAt.map((i) => a[i]?.record.path).sort());
    for (const o of changed)
      expect(o.diff).toMatch(/^--- 20261126T020000Z-0000000a\/.*\n\+\+\+ .*\n@@ .*\n(.*\n)*\+ {2}edited: true\n$/);
    const partOf = (objects: TestObject[], keys: { n: number; key: string }[], path: string) =>
      keys.find((p) => p.n === objects.find((o) => o.record.path === path)?.record.part)?.key;
    const wanted = new Set(changed.flatMap((o) => [partOf(a, ma.parts, o.path), partOf(b, mb.parts, o.path)]));
    expect(wanted.size).toBe(6);
    expect(new Set(partKeys(gets))).toEqual(wanted);
    expect(partKeys(gets)).toHaveLength(wanted.size);

    gets.length = 0;
    const stat = await diffSides(snapshotSide(repository, ma.id), snapshotSide(repository, mb.id), { stat: true });
    expect(stat.counts).toEqual(diff.counts);
    expect(stat.objects.every((o) => o.diff === undefined)).toBe(true);
    expect(partKeys(gets)).toEqual([]);
  });

  it("leaves a part as soon as the object it wanted has been read", async () => {
    const { store, gets } = countingStore("early");
    const repository = await openRepository({ format: 1, store });
    const a = copy(bigObjects(12, 64 * 1024));
    const b = copy(a);
    b[0] = edited(b[0] as TestObject, "x");
    const ma = await commit(repository, "20261126T020000Z-0000000c", a, 2 * 1024 * 1024);
    const mb = await commit(repository, "20261127T020000Z-0000000d", b, 2 * 1024 * 1024);
    expect(ma.parts).toHaveLength(1);
    gets.length = 0;
    const diff = await diffSides(snapshotSide(repository, ma.id), snapshotSide(repository, mb.id));
    expect(diff.counts.changed).toBe(1);
    const parts = gets.filter((g) => g.key.includes("/parts/"));
    expect(parts).toHaveLength(2);
    for (const g of parts) expect(g.bytes).toBeLessThan((ma.parts[0]?.bytes ?? 0) / 2);
  });
});

describe("an object's history on MinIO", () => {
  it("lists the snapshots where it appeared, changed and vanished, reading one part per new version", async () => {
    const { store, gets } = countingStore("history");
    const repository = await openRepository({ format: 1, store });
    const base = copy(testObjects(120));
    const target = base[40] as TestObject;
    const v2 = edited(target, "  v: 2\n");
    const versions = [undefined, target, target, v2, v2, undefined, v2];
    const ids = versions.map((_, i) => `2026112${i}T020000Z-0000001${i}`);
    for (const [i, version] of versions.entries()) {
      const objects = copy(base).filter((o) => o.record.path !== target.record.path);
      if (version) objects.splice(40, 0, { record: { ...version.record }, data: version.data });
      await commit(repository, ids[i] as string, objects);
    }
    gets.length = 0;
    const history = await objectHistory(repository, target.record);
    expect(history.snapshots).toEqual(ids);
    expect(history.entries.map((e) => [e.snapshot, e.change, e.previous])).toEqual([
      [ids[1], "added", undefined],
      [ids[3], "changed", ids[2]],
      [ids[5], "removed", undefined],
      [ids[6], "added", ids[4]],
    ]);
    const [added, changed, removed, back] = history.entries;
    expect(added?.diff).toMatch(/^--- \/dev\/null\n\+\+\+ .*\n@@ -0,0 \+1,\d+ @@\n\+apiVersion: v1\n/);
    expect(changed?.diff).toMatch(/\n\+ {2}v: 2\n$/);
    expect(removed?.diff).toBeUndefined();
    expect(back?.diff).toBeUndefined();
    expect(partKeys(gets).map((k) => k.split("/")[1])).toEqual([ids[1], ids[3]]);
  });
});
