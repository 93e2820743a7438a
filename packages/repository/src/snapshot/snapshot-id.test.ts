import { describe, expect, it } from "vitest";
import { isSnapshotId, newSnapshotId } from "./snapshot-id.js";

describe("newSnapshotId", () => {
  it.each([
    ["2026-11-26T02:00:00Z", "0a1b2c3d", "20261126T020000Z-0a1b2c3d"],
    ["2026-11-26T02:00:00.999Z", "ffffffff", "20261126T020000Z-ffffffff"],
    ["1999-01-02T03:04:05+01:00", "00000000", "19990102T020405Z-00000000"],
  ])("%s with %s → %s", (time, random, expected) => {
    expect(newSnapshotId(new Date(time), random)).toBe(expected);
  });

  it("draws 8 lowercase hex digits when no random part is given", () => {
    const id = newSnapshotId(new Date("2026-11-26T02:00:00Z"));
    expect(id).toMatch(/^20261126T020000Z-[0-9a-f]{8}$/);
    expect(isSnapshotId(id)).toBe(true);
  });

  it("sorts by time", () => {
    const times = ["2025-12-31T23:59:59Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", "2026-10-01T00:00:00Z"];
    const ids = times.map((t, i) => newSnapshotId(new Date(t), ["ffffffff", "00000000", "7fffffff", "00000001"][i]));
    expect([...ids].sort()).toEqual(ids);
  });

  it.each(["ABCDEF12", "abc", "0a1b2c3d4", "zzzzzzzz"])("rejects random part %s", (random) => {
    expect(() => newSnapshotId(new Date(), random)).toThrow(/8 lowercase hex/);
  });

  it("rejects an invalid date", () => {
    expect(() => newSnapshotId(new Date("nope"))).toThrow(/invalid date/);
  });
});

describe("isSnapshotId", () => {
  it.each([
    ["20261126T020000Z-0a1b2c3d", true],
    ["20240229T235959Z-00000000", true],
    ["20250229T000000Z-00000000", false],
    ["20261326T020000Z-0a1b2c3d", false],
    ["20261126T250000Z-0a1b2c3d", false],
    ["20261126T020000Z-0A1B2C3D", false],
    ["20261126T020000Z-0a1b2c3", false],
    ["20261126T020000-0a1b2c3d", false],
    ["../20261126T020000Z-0a1b2c3d", false],
    ["", false],
    [42, false],
    [undefined, false],
  ])("%s → %s", (value, expected) => {
    expect(isSnapshotId(value)).toBe(expected);
  });
});
