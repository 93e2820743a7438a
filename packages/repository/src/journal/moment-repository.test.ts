// MomentRepository: a moment reads as a snapshot (manifest, index, objects, download, verify) beside
// the base repository's snapshots, which it passes through; no server needed (an in-memory base).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SnapshotNotFoundError } from "../errors.js";
import type { Repository } from "../snapshot/repository.js";
import { MomentRepository } from "./moment-repository.js";

const base = {
  getSnapshot: async (id: string) => {
    throw new SnapshotNotFoundError(id);
  },
} as unknown as Repository;

const object = (namespace: string, name: string, v: string) => ({
  record: {
    path: `namespaces/${namespace}/configmaps/${name}.yaml`,
    group: "",
    version: "v1",
    resource: "configmaps",
    kind: "ConfigMap",
    namespace,
    name,
    uid: `${name}-uid`,
  },
  data: Buffer.from(`kind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${v}"\n`),
});

const ID = "@2026-11-26T02:00:30.000Z";
const moment = {
  manifest: {
    id: ID,
    time: "2026-11-26T02:00:30.000Z",
    source: { kind: "cli" as const },
    cluster: {},
    scope: { type: "namespace" as const, namespace: "shop" },
    params: {},
    warnings: [],
  },
  objects: [object("shop", "b", "2"), object("shop", "a", "1")],
};

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const found: T[] = [];
  for await (const item of items) found.push(item);
  return found;
}

describe("MomentRepository", () => {
  const repository = new MomentRepository(base, [moment]);

  it("describes a moment as a snapshot: counts, bytes, index records in path order with their sha256", async () => {
    const manifest = await repository.getSnapshot(ID);
    const bytes = moment.objects.reduce((sum, o) => sum + o.data.length, 0);
    expect(manifest).toMatchObject({
      id: ID,
      completedAt: manifest.time,
      objects: 2,
      bytes,
      counts: { configmaps: 2 },
    });
    const index = await all(repository.readIndex(ID));
    expect(index.map((r) => [r.name, r.part, r.bytes])).toEqual([
      ["a", 0, moment.objects[1]?.data.length],
      ["b", 0, moment.objects[0]?.data.length],
    ]);
    expect(index[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await repository.verify(ID)).toMatchObject({ ok: true, objects: 2, objectsOk: 2 });
  });

  it("reads every object, one part, or the objects asked for", async () => {
    expect((await all(repository.readObjects(ID))).map((o) => o.path)).toHaveLength(2);
    expect(await all(repository.readObjects(ID, { parts: [1] }))).toEqual([]);
    const [a] = await all(repository.readIndex(ID));
    const read = await all(repository.readObjects(ID, { objects: [a as never] }));
    expect(read.map((o) => o.data.toString())).toEqual([moment.objects[1]?.data.toString()]);
  });

  it("downloads a moment as the tree of a snapshot", async () => {
    const to = mkdtempSync(join(tmpdir(), "kubedump-moment-"));
    expect(await repository.download(ID, to)).toMatchObject({ objects: 2 });
    expect(readFileSync(join(to, "namespaces/shop/configmaps/b.yaml"), "utf8")).toContain('v: "2"');
  });

  it("passes other ids to the repository, and refuses to delete a moment", async () => {
    await expect(repository.getSnapshot("20261126T020000Z-0a0a0a0a")).rejects.toThrow(SnapshotNotFoundError);
    await expect(repository.deleteSnapshot(ID)).rejects.toThrow(/moment of the journal/);
  });

  it("refuses two objects at one path", () => {
    expect(
      () => new MomentRepository(base, [{ ...moment, objects: [object("s", "a", "1"), object("s", "a", "2")] }]),
    ).toThrow(/two objects at namespaces\/s\/configmaps\/a.yaml/);
  });
});
