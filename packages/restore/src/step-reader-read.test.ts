// readStepObjects reads a step's objects in one read of the repository, of either format: each
// wanted object once, parsed, and a snapshot that changed after its check refused naming the
// object. On local directories.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "@kubedump/kube";
import { type Repository, openRepository } from "@kubedump/repository";
import type { IndexRecord } from "@kubedump/repository/archive";
import { format2Of } from "@kubedump/repository/format2";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SnapshotDamagedError } from "./errors.js";
import { readStepObjects } from "./step-reader.js";
import { commitByHand, entryOf, type HandEntry } from "./test-snapshots.js";

let tmp: string;
let dirs = 0;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-restore-step-reader-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const CONFIGMAPS = { group: "", version: "v1", resource: "configmaps" };
const COUNT = 40;
const entries = (): HandEntry[] =>
  Array.from({ length: COUNT }, (_, i) => {
    const object: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `cm-${String(i).padStart(2, "0")}`, namespace: `ns-${i % 2}`, uid: `uid-${i}` },
      data: { i: String(i) },
    };
    return entryOf(CONFIGMAPS, object);
  });

/** A snapshot of entries() in a new repository of `format`: the repository, the snapshot and its index records. */
async function snapshotOf(format: 1 | 2): Promise<{ repository: Repository; id: string; records: IndexRecord[] }> {
  const dir = join(tmp, String(dirs++));
  const repository = await openRepository({ store: createLocalObjectStore({ root: join(dir, "repo") }), format });
  let id: string;
  if (format === 1) id = await commitByHand(repository, join(dir, "work"), entries());
  else {
    id = "20261205T000000Z-00000000";
    const draft = {
      id,
      time: "2026-12-05T00:00:00.000Z",
      completedAt: "2026-12-05T00:00:01.000Z",
      source: { kind: "cli" as const },
      cluster: {},
      scope: { type: "cluster" as const },
      params: {},
      warnings: [],
    };
    const input = entries().map(({ record: { part: _, ...record }, data }) => ({ record, data }));
    await format2Of(repository)?.writeSnapshot(draft, input);
  }
  const records: IndexRecord[] = [];
  for await (const record of repository.readIndex(id)) records.push(record);
  return { repository, id, records };
}

async function collect(objects: AsyncIterable<{ record: IndexRecord; object?: KubeObject; problem?: string }>) {
  const out: { name: string; data: unknown }[] = [];
  for await (const { record, object, problem } of objects)
    out.push({ name: record.name, data: object?.data ?? problem });
  return out;
}

describe.each([1, 2] as const)("readStepObjects, format %i", (format) => {
  it("yields each object of the step once, parsed, and none other", async () => {
    const { repository, id, records } = await snapshotOf(format);
    const step = records.filter((r) => r.namespace === "ns-1");
    const read = await collect(readStepObjects(repository, id, step));
    expect(read.map((r) => r.name).sort()).toEqual(step.map((r) => r.name).sort());
    expect(read).toHaveLength(COUNT / 2);
    for (const { name, data } of read) expect(data).toEqual({ i: String(Number(name.slice(3))) });
  });

  it("refuses an object that is no longer what its record says, naming it, as a snapshot changed after its check", async () => {
    const { repository, id, records } = await snapshotOf(format);
    const changed = records[7] as IndexRecord;
    const sha256 = createHash("sha256").update("another YAML").digest("hex");
    const step = records.map((r) => (r === changed ? { ...r, sha256 } : r));
    const err = await collect(readStepObjects(repository, id, step)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapshotDamagedError);
    expect((err as Error).message).toContain("the snapshot changed after it was verified");
    expect((err as SnapshotDamagedError).problems.join()).toContain(changed.path);
  });

  it("refuses an object its part does not hold, naming it", async () => {
    const { repository, id, records } = await snapshotOf(format);
    const first = records[0] as IndexRecord;
    const ghost = { ...first, path: first.path.replace("cm-00", "cm-ghost"), name: "cm-ghost" };
    const err = await collect(readStepObjects(repository, id, [first, ghost])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapshotDamagedError);
    expect((err as SnapshotDamagedError).problems.join()).toContain(ghost.path);
  });
});
