import { describe, expect, it } from "vitest";
import { parseTextFormat } from "./parse-text.js";
import { encodeDelimitedProtobuf, parseDelimitedProtobuf } from "./parse-protobuf.js";
import { renderTextFormat } from "./render-text.js";
import { text } from "./test-support.js";

// Bodies are encoded with protobufjs from the same metrics.proto; the gateway's tests push real
// bodies from the Go client and compare with Prometheus's Pushgateway.
const [COUNTER, GAUGE, SUMMARY, UNTYPED, HISTOGRAM, GAUGE_HISTOGRAM] = [0, 1, 2, 3, 4, 5];
const encode = (...families: object[]): Uint8Array => encodeDelimitedProtobuf(families);
const label = (name: string, value: string) => ({ name, value });
/** The text the decoded families render to, for comparison with what Go's text writer gives. */
const asText = (body: Uint8Array): string => renderTextFormat(parseDelimitedProtobuf(body));

describe("parseDelimitedProtobuf", () => {
  it("reads counters, gauges and untyped metrics with their labels, HELP when set, and COUNTER when no type is", () => {
    const body = encode(
      {
        name: "runs_total",
        help: "Runs.",
        type: COUNTER,
        metric: [{ label: [label("a", "x")], counter: { value: 3 } }],
      },
      { name: "temp", type: GAUGE, metric: [{ gauge: { value: -1.5 } }, { label: [label("room", "")], gauge: {} }] },
      { name: "raw", help: "", type: UNTYPED, metric: [{ untyped: { value: Number.NaN } }] },
      { name: "typeless", metric: [{ counter: { value: 1 } }] },
    );
    expect(asText(body)).toBe(
      text(
        "# HELP runs_total Runs.",
        "# TYPE runs_total counter",
        'runs_total{a="x"} 3',
        "# TYPE temp gauge",
        "temp -1.5",
        'temp{room=""} 0',
        "# HELP raw",
        "# TYPE raw untyped",
        "raw NaN",
        "# TYPE typeless counter",
        "typeless 1",
      ),
    );
  });

  it("writes a summary as its quantiles (le and quantile values as Go writes floats), _sum and _count", () => {
    const body = encode({
      name: "rpc",
      type: SUMMARY,
      metric: [
        {
          label: [label("op", "get")],
          summary: {
            sample_count: 2 ** 40 + 1,
            sample_sum: 1234567,
            quantile: [
              { quantile: 1e-7, value: 0.5 },
              { quantile: 0.99, value: 2 },
            ],
          },
        },
      ],
    });
    expect(parseDelimitedProtobuf(body)[0]?.samples).toEqual([
      { name: "rpc", labels: { op: "get", quantile: "1e-07" }, value: 0.5 },
      { name: "rpc", labels: { op: "get", quantile: "0.99" }, value: 2 },
      { name: "rpc_sum", labels: { op: "get" }, value: 1234567 },
      { name: "rpc_count", labels: { op: "get" }, value: 2 ** 40 + 1 },
    ]);
  });

  it.each([
    [
      "with a +Inf bucket",
      { sample_count: 5, sample_sum: 1.5, bucket: [b(0.1, 2), b(Number.POSITIVE_INFINITY, 5)] },
      ['h_bucket{le="0.1"} 2', 'h_bucket{le="+Inf"} 5', "h_sum 1.5", "h_count 5"],
    ],
    [
      "without one (the count becomes it)",
      { sample_count: 7, sample_sum: 3, bucket: [b(1e6, 4), b(-0, 1)] },
      ['h_bucket{le="1e+06"} 4', 'h_bucket{le="0"} 1', 'h_bucket{le="+Inf"} 7', "h_sum 3", "h_count 7"],
    ],
    [
      "with float counts, which override the integer ones",
      { sample_count: 9, sample_count_float: 2.5, bucket: [{ upper_bound: 1, cumulative_count_float: 1.5 }] },
      ['h_bucket{le="1"} 1.5', 'h_bucket{le="+Inf"} 2.5', "h_sum 0", "h_count 2.5"],
    ],
    [
      "native only: the count, sum and +Inf bucket Pushgateway's text exposition keeps of it",
      {
        sample_count: 4,
        sample_sum: 10,
        schema: 3,
        zero_threshold: 1e-128,
        zero_count: 1,
        positive_span: [{ offset: 0, length: 2 }],
        positive_delta: [1, 1],
      },
      ['h_bucket{le="+Inf"} 4', "h_sum 10", "h_count 4"],
    ],
  ])("writes a histogram %s as its text exposition", (_title, histogram, lines) => {
    expect(asText(encode({ name: "h", type: HISTOGRAM, metric: [{ histogram }] }))).toBe(
      text("# TYPE h histogram", ...lines),
    );
  });

  it("reads a gauge histogram as a histogram, as Go's text format writes it", () => {
    const body = encode({
      name: "gh",
      type: GAUGE_HISTOGRAM,
      metric: [{ histogram: { sample_count: 1, bucket: [] } }],
    });
    expect(asText(body)).toBe(text("# TYPE gh histogram", 'gh_bucket{le="+Inf"} 1', "gh_sum 0", "gh_count 1"));
  });

  it("keeps timestamps on every sample of a metric (the push check refuses them), and takes the last family of a name", () => {
    const body = encode(
      { name: "t", type: GAUGE, metric: [{ gauge: { value: 1 } }] },
      { name: "other", type: GAUGE, metric: [] },
      { name: "t", type: SUMMARY, metric: [{ summary: { sample_count: 1 }, timestamp_ms: 1_700_000_000_123 }] },
    );
    expect(parseDelimitedProtobuf(body)).toEqual([
      { name: "other", type: "gauge", samples: [] },
      {
        name: "t",
        type: "summary",
        samples: [
          { name: "t_sum", labels: {}, value: 0, timestamp: 1_700_000_000_123 },
          { name: "t_count", labels: {}, value: 1, timestamp: 1_700_000_000_123 },
        ],
      },
    ]);
  });

  it("reads an empty body as no families, and gives families the text parser reads back equal", () => {
    expect(parseDelimitedProtobuf(new Uint8Array())).toEqual([]);
    const families = parseDelimitedProtobuf(
      encode(
        { name: "a", help: 'x\\y\n"z"', type: GAUGE, metric: [{ label: [label("l", 'q"\\\n')], gauge: { value: 2 } }] },
        { name: "s", type: SUMMARY, metric: [{ summary: { quantile: [{ quantile: 0.5, value: 1 }] } }] },
        { name: "h", type: HISTOGRAM, metric: [{ label: [label("m", "1")], histogram: { bucket: [b(2, 1)] } }] },
      ),
    );
    expect(parseTextFormat(renderTextFormat(families))).toEqual(families);
  });

  it.each([
    [
      "bytes cut short",
      encode({ name: "a", type: GAUGE, metric: [{ gauge: { value: 1 } }] }).slice(0, -3),
      /does not decode/,
    ],
    ["text sent as protobuf", new TextEncoder().encode("# TYPE a gauge\na 1\n"), /does not decode/],
    ["an invalid metric name", encode({ name: "a-b", metric: [] }), /invalid metric name "a-b"/],
    ["no metric name", encode({ type: GAUGE, metric: [] }), /invalid metric name ""/],
    ["an invalid label name", encode(gauge([label("a b", "1")])), /invalid label name "a b"/],
    ["a reserved label name", encode(gauge([label("__x", "1")])), /invalid label name "__x"/],
    ["a label twice", encode(gauge([label("a", "1"), label("a", "2")])), /has the label "a" twice/],
    ["a series twice", encode({ name: "g", type: GAUGE, metric: [{ gauge: {} }, { gauge: {} }] }), /has g twice/],
    [
      "a histogram with an le label",
      encode({ name: "h", type: HISTOGRAM, metric: [{ label: [label("le", "1")], histogram: {} }] }),
      /"le" label of its own/,
    ],
    [
      "a summary with a quantile label",
      encode({ name: "s", type: SUMMARY, metric: [{ label: [label("quantile", "1")], summary: {} }] }),
      /"quantile" label of its own/,
    ],
    [
      "a counter without a counter value",
      encode({ name: "c", type: COUNTER, metric: [{ gauge: { value: 1 } }] }),
      /"c" is a counter but its series c has no counter value/,
    ],
    [
      "a histogram bucket twice",
      encode({ name: "h", type: HISTOGRAM, metric: [{ histogram: { bucket: [b(1, 1), b(1, 2)] } }] }),
      /h_bucket\{le="1"\} twice/,
    ],
    [
      "a gauge named like a summary's count",
      encode({ name: "s", type: SUMMARY, metric: [] }, { name: "s_count", type: GAUGE, metric: [] }),
      /"s_count" collides with the summary "s"/,
    ],
  ])("refuses %s, saying what is wrong", (_title, body, message) => {
    expect(() => parseDelimitedProtobuf(body)).toThrow(message);
  });
});

function b(upper_bound: number, cumulative_count: number) {
  return { upper_bound, cumulative_count };
}

function gauge(labels: { name: string; value: string }[]) {
  return { name: "g", type: GAUGE, metric: [{ label: labels, gauge: { value: 1 } }] };
}
