import { describe, expect, it } from "vitest";
import { applyRetention, type RetentionRules } from "./retention.js";

/** Snapshots named by their UTC time, in no particular order. */
function snaps(...times: string[]) {
  return times.map((time) => ({ id: time, time }));
}

function kept(times: string[], rules: RetentionRules, timeZone?: string): string[] {
  return applyRetention(snaps(...times), rules, { timeZone }).keep.map((k) => k.snapshot.id);
}

/** Every hour from `from` (inclusive) to `to` (exclusive), UTC. */
function hourly(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += 3600_000) out.push(new Date(t).toISOString());
  return out;
}

const DAYS = snaps(
  "2026-11-20T02:00:00.000Z",
  "2026-11-21T02:00:00.000Z",
  "2026-11-21T14:00:00.000Z",
  "2026-11-23T02:00:00.000Z",
  "2026-11-23T09:00:00.000Z",
  "2026-11-24T02:00:00.000Z",
).map((s) => s.time);

describe("applyRetention (restic semantics)", () => {
  it.each<[string, string[], RetentionRules, string[]]>([
    ["keepLast keeps the newest n", DAYS, { keepLast: 2 }, ["2026-11-24T02:00:00.000Z", "2026-11-23T09:00:00.000Z"]],
    ["keepLast larger than the list keeps all", DAYS.slice(0, 2), { keepLast: 5 }, DAYS.slice(0, 2).reverse()],
    [
      "keepDaily keeps the newest of each of the last n days that have one (empty days do not count)",
      DAYS,
      { keepDaily: 3 },
      ["2026-11-24T02:00:00.000Z", "2026-11-23T09:00:00.000Z", "2026-11-21T14:00:00.000Z"],
    ],
    [
      "keepHourly on snapshots within one hour keeps one",
      ["2026-11-24T02:00:00.000Z", "2026-11-24T02:20:00.000Z", "2026-11-24T02:59:59.000Z"],
      { keepHourly: 5 },
      ["2026-11-24T02:59:59.000Z"],
    ],
    [
      "keepWeekly uses ISO weeks, Monday first",
      ["2026-11-15T10:00:00.000Z", "2026-11-16T10:00:00.000Z", "2026-11-22T23:00:00.000Z", "2026-11-23T00:30:00.000Z"],
      { keepWeekly: 2 },
      ["2026-11-23T00:30:00.000Z", "2026-11-22T23:00:00.000Z"],
    ],
    [
      "keepWeekly puts 2026-12-31 and 2027-01-01 in ISO week 2026-W53",
      ["2026-12-28T10:00:00.000Z", "2026-12-31T10:00:00.000Z", "2027-01-01T10:00:00.000Z", "2027-01-04T10:00:00.000Z"],
      { keepWeekly: 2 },
      ["2027-01-04T10:00:00.000Z", "2027-01-01T10:00:00.000Z"],
    ],
    [
      "keepMonthly and keepYearly",
      [
        "2024-12-31T10:00:00.000Z",
        "2025-06-01T10:00:00.000Z",
        "2025-12-01T10:00:00.000Z",
        "2025-12-15T10:00:00.000Z",
        "2026-01-05T10:00:00.000Z",
      ],
      { keepMonthly: 2, keepYearly: 3 },
      ["2026-01-05T10:00:00.000Z", "2025-12-15T10:00:00.000Z", "2024-12-31T10:00:00.000Z"],
    ],
    [
      "a snapshot kept by any rule stays",
      DAYS,
      { keepLast: 1, keepDaily: 2, keepMonthly: 1 },
      ["2026-11-24T02:00:00.000Z", "2026-11-23T09:00:00.000Z"],
    ],
    ["a policy without rules keeps everything", DAYS, { keepLast: 0 }, [...DAYS].reverse()],
  ])("%s", (_label, times, rules, expected) => {
    expect(kept(times, rules)).toEqual(expected);
  });

  it("names the rules that keep each snapshot and lists the rest newest first", () => {
    const outcome = applyRetention(snaps(...DAYS), { keepLast: 1, keepDaily: 2 });
    expect(outcome.keep.map((k) => [k.snapshot.id, k.reasons])).toEqual([
      ["2026-11-24T02:00:00.000Z", ["keepLast", "keepDaily"]],
      ["2026-11-23T09:00:00.000Z", ["keepDaily"]],
    ]);
    expect(outcome.remove.map((s) => s.id)).toEqual([
      "2026-11-23T02:00:00.000Z",
      "2026-11-21T14:00:00.000Z",
      "2026-11-21T02:00:00.000Z",
      "2026-11-20T02:00:00.000Z",
    ]);
  });
});

describe("applyRetention counts periods in the policy's time zone", () => {
  // Europe/Berlin goes from CET (UTC+1) to CEST (UTC+2) at 2026-03-29 01:00Z: that local day has 23 hours.
  const springForward = hourly("2026-03-27T20:00:00Z", "2026-03-30T02:00:00Z");

  it.each<[string, string, string[]]>([
    // Newest per local day: 30th 03:00 CEST, 29th 23:00 CEST (21:00Z), 28th 23:00 CET (22:00Z).
    [
      "Europe/Berlin",
      "Europe/Berlin",
      ["2026-03-30T01:00:00.000Z", "2026-03-29T21:00:00.000Z", "2026-03-28T22:00:00.000Z"],
    ],
    ["UTC", "UTC", ["2026-03-30T01:00:00.000Z", "2026-03-29T23:00:00.000Z", "2026-03-28T23:00:00.000Z"]],
  ])("keepDaily across the spring-forward change in %s", (_label, zone, expected) => {
    expect(kept(springForward, { keepDaily: 3 }, zone)).toEqual(expected);
  });

  it("keepDaily keeps one per local day of 23 hours, 24 and 25 in Berlin", () => {
    const days = kept(hourly("2026-03-27T23:00:00Z", "2026-10-26T23:00:00Z"), { keepDaily: 400 }, "Europe/Berlin");
    const local = days.map((t) => new Date(t).toLocaleString("sv-SE", { timeZone: "Europe/Berlin" }));
    expect(local.every((t) => t.endsWith(" 23:00:00"))).toBe(true); // the last hour of each local day
    expect(new Set(local.map((t) => t.slice(0, 10))).size).toBe(days.length);
    expect(local.at(-1)).toBe("2026-03-28 23:00:00");
    expect(local[0]).toBe("2026-10-26 23:00:00");
  });

  // Berlin goes back from CEST to CET at 2026-10-25 01:00Z: the wall clock shows 02:xx twice.
  const fallBack = snaps(
    "2026-10-24T23:50:00.000Z", // 01:50 CEST
    "2026-10-25T00:30:00.000Z", // 02:30 CEST
    "2026-10-25T01:10:00.000Z", // 02:10 CET
    "2026-10-25T01:40:00.000Z", // 02:40 CET
    "2026-10-25T02:20:00.000Z", // 03:20 CET
  ).map((s) => s.time);

  it.each<[string, string, string[]]>([
    [
      "Europe/Berlin, where the repeated wall-clock hour 02 is one period",
      "Europe/Berlin",
      ["2026-10-25T02:20:00.000Z", "2026-10-25T01:40:00.000Z", "2026-10-24T23:50:00.000Z"],
    ],
    ["UTC", "UTC", ["2026-10-25T02:20:00.000Z", "2026-10-25T01:40:00.000Z", "2026-10-25T00:30:00.000Z"]],
  ])("keepHourly across the fall-back change in %s", (_label, zone, expected) => {
    expect(kept(fallBack, { keepHourly: 3 }, zone)).toEqual(expected);
  });

  it("keepMonthly follows the local month: 31 Dec 23:30 in Berlin is January there", () => {
    const times = ["2026-12-15T12:00:00.000Z", "2026-12-31T23:30:00.000Z", "2027-01-10T12:00:00.000Z"];
    expect(kept(times, { keepMonthly: 2 }, "Europe/Berlin")).toEqual([
      "2027-01-10T12:00:00.000Z",
      "2026-12-15T12:00:00.000Z",
    ]);
    expect(kept(times, { keepMonthly: 2 }, "UTC")).toEqual(["2027-01-10T12:00:00.000Z", "2026-12-31T23:30:00.000Z"]);
  });
});

describe("applyRetention refuses what it cannot apply", () => {
  it.each<[string, RetentionRules, string | undefined, RegExp]>([
    ["an unknown time zone", { keepDaily: 1 }, "Mars/Olympus_Mons", /unknown time zone "Mars\/Olympus_Mons"/],
    ["a negative count", { keepLast: -1 }, undefined, /keepLast must be a whole number >= 0/],
    ["a fractional count", { keepDaily: 1.5 }, undefined, /keepDaily must be a whole number >= 0/],
  ])("%s", (_label, rules, zone, message) => {
    expect(() => applyRetention(snaps(...DAYS), rules, { timeZone: zone })).toThrow(message);
  });
});
