import { describe, expect, it } from "vitest";
import { pickForReading } from "./verify-sample.js";

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
