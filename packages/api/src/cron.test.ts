import { describe, expect, it } from "vitest";
import { validateCron } from "./cron.js";

describe("validateCron", () => {
  it.each([
    "0 2 * * *",
    "*/15 * * * *",
    "0 0 1 1 *",
    "59 23 31 12 7",
    "0 9-17/2 * * MON-FRI",
    "0 0 * jan,Jul sun",
    "5,10,15-20 * * * *",
    "0 3/6 * * *",
    "  0  2 * *   * ",
    "@hourly",
    "@daily",
    "@weekly",
    "@monthly",
    "@yearly",
  ])("accepts %j", (expression) => {
    expect(validateCron(expression)).toEqual([]);
  });

  it.each([
    ["", "expected 5 fields"],
    ["0 2 * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4"],
    ["0 0 2 * * *", "got 6"],
    ["60 * * * *", 'minute "60": 60 is out of range 0-59'],
    ["0 24 * * *", 'hour "24": 24 is out of range 0-23'],
    ["0 0 0 * *", 'day of month "0": 0 is out of range 1-31'],
    ["0 0 32 * *", 'day of month "32": 32 is out of range 1-31'],
    ["0 0 * 13 *", 'month "13": 13 is out of range 1-12'],
    ["0 0 * * 8", 'day of week "8": 8 is out of range 0-7'],
    ["0 0 * FOO *", 'month "FOO": "FOO" is neither a number nor one of JAN'],
    ["0 0 * * MONDAY", 'day of week "MONDAY": "MONDAY" is neither a number nor one of SUN'],
    ["x * * * *", 'minute "x": "x" is not a number'],
    ["*/0 * * * *", 'minute "*/0": step "0" must be a positive integer'],
    ["*/61 * * * *", "step 61 is larger than the range 0-59"],
    ["1/2/3 * * * *", 'has more than one "/"'],
    ["30-10 * * * *", 'range "30-10" runs backwards'],
    ["1-2-3 * * * *", '"1-2-3" is not a value or a range a-b'],
    ["1,,2 * * * *", 'minute "1,,2": empty list item'],
    ["0 0 ? * *", 'day of month "?": "?" is not a number'],
    ["0 0 L * *", 'day of month "L"'],
    ["@reboot", 'unknown macro "@reboot"'],
    ["@DAILY", 'unknown macro "@DAILY"'],
  ])("rejects %j with %j", (expression, message) => {
    const errors = validateCron(expression);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join("\n")).toContain(message);
  });

  it("reports every bad field", () => {
    expect(validateCron("60 24 * * *")).toEqual([
      'minute "60": 60 is out of range 0-59',
      'hour "24": 24 is out of range 0-23',
    ]);
  });
});
