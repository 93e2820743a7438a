import { describe, expect, it } from "vitest";
import { SnapshotNotFoundError } from "../errors.js";
import type { Repository } from "./repository.js";
import { pickForReading, verifySnapshotSample } from "./verify-sample.js";

const ids = Array.from({ length: 25 }, (_, i) => `20260101T0000${String(i).padStart(2, "0")}Z-00000000`);

describe("pickForReading", () => {
  it.each([
    [0, 0],
    [1, 1],
    [10, 3],
    [50, 13],
    [100, 25],
  ])("reads %i percent of 25 snapshots: %i of them, rounded up", (readData, count) => {
    const picked = pickForReading(ids, readData, "repeat:demo/repo:1");
    expect(picked.size).toBe(count);
    for (const id of picked) expect(ids).toContain(id);
  });

  it("picks the same snapshots for the same seed (a retried attempt) and others for another run", () => {
    const first = [...pickForReading(ids, 20, "repeat:demo/repo:1")];
    expect([...pickForReading(ids, 20, "repeat:demo/repo:1")]).toEqual(first);
    expect([...pickForReading(ids, 20, "repeat:demo/repo:2")]).not.toEqual(first);
  });

  it("reads every snapshot within a hundred runs at 10 percent", () => {
    const seen = new Set<string>();
    for (let run = 0; run < 100 && seen.size < ids.length; run++)
      for (const id of pickForReading(ids, 10, `repeat:demo/repo:${run}`)) seen.add(id);
    expect(seen.size).toBe(ids.length);
  });

  it("picks nothing from no snapshots", () => {
    expect(pickForReading([], 100, "x").size).toBe(0);
  });
});

/**
 * An in-memory double of Repository's four verify calls: `damaged` ids report a problem,
 * `vanishing` ids are forgotten between the listing and their check, `flaky` ids' snapshot.json
 * fails to read again when damage is confirmed.
 */
function fakeRepository(spec: { damaged?: string[]; vanishing?: string[]; flaky?: string[] }) {
  const calls: string[] = [];
  const report = (id: string) => {
    if (spec.vanishing?.includes(id)) throw new SnapshotNotFoundError(`snapshot ${id} not found`);
    const ok = !spec.damaged?.includes(id);
    return { id, ok, problems: ok ? [] : [`snapshots/${id}/part-0.tar.gz: sha256 differs`] };
  };
  const repository = {
    scanSnapshots: async () => ({
      snapshots: ids.slice(0, 10).map((id) => ({ id })),
      unreadable: [{ id: "20250101T000000Z-0000000u", error: new Error("snapshot.json: not JSON") }],
      mismatched: [],
    }),
    verify: async (id: string) => {
      calls.push(`verify ${id}`);
      return report(id);
    },
    checkStored: async (id: string) => {
      calls.push(`stat ${id}`);
      return report(id);
    },
    getSnapshot: async (id: string) => {
      if (spec.flaky?.includes(id)) throw new Error("connect ECONNREFUSED 127.0.0.1:9000");
      return { id };
    },
  } as unknown as Repository;
  return { repository, calls };
}

describe("verifySnapshotSample", () => {
  it("reads the picked share in full, stats the others, counts an unreadable snapshot.json as damage", async () => {
    const { repository, calls } = fakeRepository({ damaged: [ids[3] as string] });
    const result = await verifySnapshotSample(repository, { readData: 30, seed: "run-1" });
    const picked = pickForReading(ids.slice(0, 10), 30, "run-1");
    expect(result.read).toBe(3);
    expect(calls.filter((c) => c.startsWith("verify ")).map((c) => c.slice(7))).toEqual(
      ids.slice(0, 10).filter((id) => picked.has(id)),
    );
    expect(calls.filter((c) => c.startsWith("stat "))).toHaveLength(7);
    expect(result.snapshots).toBe(11);
    expect(result.damaged).toEqual([
      { id: "20250101T000000Z-0000000u", problems: ["snapshot.json: not JSON"] },
      { id: ids[3], problems: [`snapshots/${ids[3]}/part-0.tar.gz: sha256 differs`] },
    ]);
  });

  it("skips a snapshot forgotten meanwhile, and throws when damage cannot be confirmed", async () => {
    const vanished = await verifySnapshotSample(fakeRepository({ vanishing: [ids[2] as string] }).repository, {
      readData: 0,
      seed: "run-2",
    });
    expect(vanished).toMatchObject({ snapshots: 10, read: 0 });
    expect(vanished.damaged.map((d) => d.id)).toEqual(["20250101T000000Z-0000000u"]);
    const flaky = fakeRepository({ damaged: [ids[5] as string], flaky: [ids[5] as string] });
    await expect(verifySnapshotSample(flaky.repository, { readData: 0, seed: "run-3" })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  it("stops when its signal aborts", async () => {
    const controller = new AbortController();
    controller.abort(new Error("worker shutting down"));
    const { repository } = fakeRepository({});
    await expect(
      verifySnapshotSample(repository, { readData: 0, seed: "run-4", signal: controller.signal }),
    ).rejects.toThrow(/shutting down/);
  });
});
