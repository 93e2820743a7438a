import { describe, expect, it } from "vitest";
import { parseMoment } from "./moment-time.js";

const NOW = Date.parse("2026-12-04T12:00:00.000Z");

describe("parseMoment (--at)", () => {
  it.each([
    ["2026-12-04T10:00:00Z", "2026-12-04T10:00:00.000Z"],
    ["2026-12-04T10:00Z", "2026-12-04T10:00:00.000Z"],
    ["2026-12-04 10:00:00.250z", "2026-12-04T10:00:00.250Z"],
    ["2026-12-04T11:00:00+01:00", "2026-12-04T10:00:00.000Z"],
    ["2026-12-04T05:30:00-04:30", "2026-12-04T10:00:00.000Z"],
    ["-15m", "2026-12-04T11:45:00.000Z"],
    ["2h ago", "2026-12-04T10:00:00.000Z"],
    ["1d2h30s ago", "2026-12-03T09:59:30.000Z"],
  ])("reads %s as %s", (value, expected) => {
    expect(new Date(parseMoment(value, NOW)).toISOString()).toBe(expected);
  });

  it.each([
    ["2026-12-04T10:00:00", /--at "2026-12-04T10:00:00": no time zone/],
    ["2026-12-04", /no time zone/],
    ["2026-02-30T10:00:00Z", /--at "2026-02-30T10:00:00Z": not RFC 3339/],
    ["2026-12-04T24:00:00Z", /not RFC 3339/],
    ["yesterday", /--at "yesterday": not RFC 3339/],
    ["15m", /not RFC 3339/],
    ["2026-12-04T13:00:00Z", /--at "2026-12-04T13:00:00Z": 2026-12-04T13:00:00.000Z is in the future/],
  ])("refuses %s", (value, message) => {
    expect(() => parseMoment(value, NOW)).toThrow(message);
  });
});
