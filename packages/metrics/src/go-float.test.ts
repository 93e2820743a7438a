import { describe, expect, it } from "vitest";
import { formatGoFloat, formatGoLabelFloat } from "./go-float.js";

// What Go 1.26 prints with fmt.Sprint(v) for each value (strconv.FormatFloat(v, 'g', -1, 64) agrees).
const GO_SPRINT: [number, string][] = [
  [0, "0"],
  [-0, "-0"],
  [1, "1"],
  [100, "100"],
  [0.1, "0.1"],
  [123456, "123456"],
  [123456.7, "123456.7"],
  [999999.5, "999999.5"],
  [1e6, "1e+06"],
  [1234567, "1.234567e+06"],
  [-1234567.25, "-1.23456725e+06"],
  [1796333929.8927495, "1.7963339298927495e+09"],
  [1e20, "1e+20"],
  [1e21, "1e+21"],
  [0.0001, "0.0001"],
  [0.00001, "1e-05"],
  [1.5e-7, "1.5e-07"],
  [5e-324, "5e-324"],
  [1.7976931348623157e308, "1.7976931348623157e+308"],
  [Number.POSITIVE_INFINITY, "+Inf"],
  [Number.NEGATIVE_INFINITY, "-Inf"],
  [Number.NaN, "NaN"],
];

describe("formatGoFloat", () => {
  it.each(GO_SPRINT)("writes %s as Go's fmt.Sprint does: %s", (value, go) => {
    expect(formatGoFloat(value)).toBe(go);
  });

  it("reads back as the same float for 10,000 random values of every magnitude", () => {
    for (let i = 0; i < 10_000; i++) {
      const value = (Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 40 - 20);
      expect(Number(formatGoFloat(value))).toBe(value);
    }
  });

  it("writes both zeros as 0 in a label value, as expfmt does", () => {
    expect([formatGoLabelFloat(-0), formatGoLabelFloat(0), formatGoLabelFloat(2.5e-9)]).toEqual(["0", "0", "2.5e-09"]);
  });
});
