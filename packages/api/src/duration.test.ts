import { describe, expect, it } from "vitest";
import { DURATION_PATTERN, formatDuration, parseDuration } from "./duration.js";

describe("parseDuration", () => {
  it.each([
    ["30s", 30_000],
    ["30m", 1_800_000],
    ["1h30m", 5_400_000],
    ["1.5s", 1500],
    ["250ms", 250],
    ["1h0m0.5s", 3_600_500],
    ["2000us", 2],
    ["3000000ns", 3],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "30", "-1m", "1d", "1 h", "h", "1.m", "1m30"])("rejects %j", (text) => {
    expect(DURATION_PATTERN.test(text)).toBe(false);
    expect(() => parseDuration(text)).toThrow(RangeError);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [250, "250ms"],
    [1500, "1.5s"],
    [90_000, "1m30s"],
    [3_600_000, "1h0m0s"],
    [3_723_456, "1h2m3.456s"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });

  it("rejects negative durations", () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
  });
});
