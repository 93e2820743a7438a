import { describe, expect, it } from "vitest";
import { type MetricFamily, parseTextFormat, renderTextFormat } from "./index.js";
import { PARSED } from "./test-support.js";

const families: MetricFamily[] = [
  {
    name: "http_requests_total",
    help: 'Requests with "quotes", a back\\slash\nand a newline.',
    type: "counter",
    samples: [
      {
        name: "http_requests_total",
        labels: { code: "200", path: 'C:\\tmp\\"x"\n' },
        value: 1027,
        timestamp: 1395066363000,
      },
      { name: "http_requests_total", labels: { code: "400", path: "" }, value: 3 },
    ],
  },
  {
    name: "blank_help",
    help: "",
    type: "gauge",
    samples: [{ name: "blank_help", labels: {}, value: 2 }],
  },
  {
    name: "edge:values",
    help: "Extremes.",
    type: "gauge",
    samples: [
      { name: "edge:values", labels: { v: "inf" }, value: Number.POSITIVE_INFINITY },
      { name: "edge:values", labels: { v: "-inf" }, value: Number.NEGATIVE_INFINITY },
      { name: "edge:values", labels: { v: "tiny" }, value: 5e-324 },
      { name: "edge:values", labels: { v: "big" }, value: 1.7976931348623157e308 },
      { name: "edge:values", labels: { v: "negzero" }, value: -0 },
      { name: "edge:values", labels: { v: "third" }, value: 1 / 3 },
    ],
  },
];

describe("renderTextFormat", () => {
  it("round-trips through parseTextFormat", () => {
    expect(parseTextFormat(renderTextFormat(families))).toEqual(families);
  });

  it.each(PARSED)("round-trips what parseTextFormat read from %s", (_title, _text, parsed) => {
    expect(parseTextFormat(renderTextFormat(parsed))).toEqual(parsed);
  });

  it("writes one HELP and TYPE per family, then its samples", () => {
    const out = renderTextFormat(families.slice(0, 1));
    expect(out).toBe(
      [
        '# HELP http_requests_total Requests with "quotes", a back\\\\slash\\nand a newline.',
        "# TYPE http_requests_total counter",
        'http_requests_total{code="200",path="C:\\\\tmp\\\\\\"x\\"\\n"} 1027 1395066363000',
        'http_requests_total{code="400",path=""} 3',
        "",
      ].join("\n"),
    );
  });

  it.each([
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "+Inf"],
    [Number.NEGATIVE_INFINITY, "-Inf"],
    [-0, "-0"],
    [1e21, "1e+21"],
  ])("writes %s as %s", (value, expected) => {
    expect(renderTextFormat([{ name: "v", type: "gauge", samples: [{ name: "v", labels: {}, value }] }])).toBe(
      `# TYPE v gauge\nv ${expected}\n`,
    );
  });

  it("renders nothing for no families", () => {
    expect(renderTextFormat([])).toBe("");
  });
});
