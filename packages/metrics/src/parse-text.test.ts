import { describe, expect, it } from "vitest";
import { parseTextFormat, TextFormatError } from "./index.js";
import type { MetricFamily } from "./types.js";

const text = (...lines: string[]): string => `${lines.join("\n")}\n`;

describe("parseTextFormat reads", () => {
  it.each<[string, string, MetricFamily[]]>([
    [
      "an untyped metric without HELP or TYPE",
      text("foo 1"),
      [{ name: "foo", type: "untyped", samples: [{ name: "foo", labels: {}, value: 1 }] }],
    ],
    [
      'label value escapes \\\\ \\" \\n',
      text('m{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb"} 2'),
      [
        {
          name: "m",
          type: "untyped",
          samples: [{ name: "m", labels: { path: "C:\\dir", quote: 'say "hi"', nl: "a\nb" }, value: 2 }],
        },
      ],
    ],
    [
      "HELP escapes \\n and \\\\",
      text("# HELP m first line\\nsecond \\\\ back", "# TYPE m gauge", "m 3"),
      [
        {
          name: "m",
          help: "first line\nsecond \\ back",
          type: "gauge",
          samples: [{ name: "m", labels: {}, value: 3 }],
        },
      ],
    ],
    [
      "NaN, +Inf, -Inf and exponents",
      text("a NaN", "b +Inf", "c -Inf", "d 1.5e-3", "e -2E+2", "f .5"),
      [
        { name: "a", type: "untyped", samples: [{ name: "a", labels: {}, value: Number.NaN }] },
        { name: "b", type: "untyped", samples: [{ name: "b", labels: {}, value: Number.POSITIVE_INFINITY }] },
        { name: "c", type: "untyped", samples: [{ name: "c", labels: {}, value: Number.NEGATIVE_INFINITY }] },
        { name: "d", type: "untyped", samples: [{ name: "d", labels: {}, value: 0.0015 }] },
        { name: "e", type: "untyped", samples: [{ name: "e", labels: {}, value: -200 }] },
        { name: "f", type: "untyped", samples: [{ name: "f", labels: {}, value: 0.5 }] },
      ],
    ],
    [
      "timestamps, blanks, tabs, comments, blank lines, a trailing comma and CRLF",
      text("# a plain comment", "", "  \t", 'up{job="x" , } \t 1 1700000000000\r', "#TYPE-less comment", "down{} 0 -5"),
      [
        {
          name: "up",
          type: "untyped",
          samples: [{ name: "up", labels: { job: "x" }, value: 1, timestamp: 1700000000000 }],
        },
        { name: "down", type: "untyped", samples: [{ name: "down", labels: {}, value: 0, timestamp: -5 }] },
      ],
    ],
    [
      "a histogram with extra labels, grouped into one family",
      text(
        "# HELP rpc_seconds RPC latency.",
        "# TYPE rpc_seconds histogram",
        'rpc_seconds_bucket{method="get",le="0.1"} 3',
        'rpc_seconds_bucket{method="get",le="+Inf"} 5',
        'rpc_seconds_sum{method="get"} 1.25',
        'rpc_seconds_count{method="get"} 5',
        'rpc_seconds_bucket{method="put",le="+Inf"} 0',
        'rpc_seconds_sum{method="put"} 0',
        'rpc_seconds_count{method="put"} 0',
      ),
      [
        {
          name: "rpc_seconds",
          help: "RPC latency.",
          type: "histogram",
          samples: [
            { name: "rpc_seconds_bucket", labels: { method: "get", le: "0.1" }, value: 3 },
            { name: "rpc_seconds_bucket", labels: { method: "get", le: "+Inf" }, value: 5 },
            { name: "rpc_seconds_sum", labels: { method: "get" }, value: 1.25 },
            { name: "rpc_seconds_count", labels: { method: "get" }, value: 5 },
            { name: "rpc_seconds_bucket", labels: { method: "put", le: "+Inf" }, value: 0 },
            { name: "rpc_seconds_sum", labels: { method: "put" }, value: 0 },
            { name: "rpc_seconds_count", labels: { method: "put" }, value: 0 },
          ],
        },
      ],
    ],
    [
      "a summary with extra labels and a NaN quantile",
      text(
        "# TYPE gc summary",
        'gc{gen="0",quantile="0.5"} NaN',
        'gc{gen="0",quantile="1"} 4',
        'gc_sum{gen="0"} 7',
        'gc_count{gen="0"} 2',
      ),
      [
        {
          name: "gc",
          type: "summary",
          samples: [
            { name: "gc", labels: { gen: "0", quantile: "0.5" }, value: Number.NaN },
            { name: "gc", labels: { gen: "0", quantile: "1" }, value: 4 },
            { name: "gc_sum", labels: { gen: "0" }, value: 7 },
            { name: "gc_count", labels: { gen: "0" }, value: 2 },
          ],
        },
      ],
    ],
    [
      "_sum and _count of an untyped metric as metrics of their own",
      text("x_sum 1", "x_count 2"),
      [
        { name: "x_sum", type: "untyped", samples: [{ name: "x_sum", labels: {}, value: 1 }] },
        { name: "x_count", type: "untyped", samples: [{ name: "x_count", labels: {}, value: 2 }] },
      ],
    ],
    [
      "samples of one family on separate lines, and HELP after samples",
      text("# TYPE a counter", 'a{x="1"} 1', "b 2", 'a{x="2"} 3', "# HELP a late help"),
      [
        {
          name: "a",
          help: "late help",
          type: "counter",
          samples: [
            { name: "a", labels: { x: "1" }, value: 1 },
            { name: "a", labels: { x: "2" }, value: 3 },
          ],
        },
        { name: "b", type: "untyped", samples: [{ name: "b", labels: {}, value: 2 }] },
      ],
    ],
    [
      "a HELP and TYPE with no samples",
      text("# HELP idle Nothing yet.", "# TYPE idle gauge"),
      [{ name: "idle", help: "Nothing yet.", type: "gauge", samples: [] }],
    ],
    ["an empty body", "", []],
  ])("%s", (_title, input, expected) => {
    expect(parseTextFormat(input)).toEqual(expected);
  });
});

describe("parseTextFormat rejects, naming the line", () => {
  it.each<[string, string, number, RegExp]>([
    ["an invalid metric name", text("ok 1", "1bad 2"), 2, /invalid metric name "1bad"/],
    ["a metric name with a dash", text("foo-bar 2"), 1, /invalid metric name "foo-bar"/],
    ["an invalid label name", text('m{0x="1"} 1'), 1, /invalid label name "0x"/],
    ["a label name with a colon", text('m{a:b="1"} 1'), 1, /invalid label name "a:b"/],
    ["a reserved label name", text('m{__name__="x"} 1'), 1, /label name "__name__" is reserved/],
    ["an invalid metric name in HELP", text("# HELP 9x text"), 1, /invalid metric name "9x" in HELP line/],
    [
      "an unknown escape in a label value",
      text('m{a="\\t"} 1'),
      1,
      /invalid escape sequence "\\t" in the value of label "a"/,
    ],
    ["an unknown escape in HELP", text("# HELP m tab\\there"), 1, /invalid escape sequence "\\t" in HELP text/],
    ["an unterminated label value", text('m{a="x} 1'), 1, /value of label "a" not terminated/],
    ["a missing '='", text('m{a "x"} 1'), 1, /expected "=" after label name "a"/],
    ["an unquoted label value", text("m{a=x} 1"), 1, /expected '"' to open the value of label "a"/],
    ["a missing comma", text('m{a="1" b="2"} 1'), 1, /expected "," or "}" after the value of label "a"/],
    ["a duplicate label name", text('m{a="1",a="2"} 1'), 1, /duplicate label name "a"/],
    ["a missing value", text("m"), 1, /expected a value after "m"/],
    ["a value that is not a float", text("m 0x10"), 1, /expected a float as the value of "m", got "0x10"/],
    [
      "a timestamp that is not an integer",
      text("m 1 1.5"),
      1,
      /expected an integer timestamp after the value of "m", got "1.5"/,
    ],
    ["text after the timestamp", text("m 1 2 3"), 1, /unexpected text after the timestamp of "m"/],
    ["an unknown type", text("# TYPE m gaugee"), 1, /unknown metric type "gaugee"/],
    [
      "a TYPE after samples of that metric",
      text("m 1", "# TYPE m gauge"),
      2,
      /TYPE line for metric "m" after its samples \(the first is on line 1\)/,
    ],
    [
      "a second TYPE",
      text("# TYPE m gauge", "# TYPE m counter"),
      2,
      /second TYPE line for metric "m" \(the first is on line 1\)/,
    ],
    [
      "a second HELP",
      text("# HELP m one", "m 1", "# HELP m two"),
      3,
      /second HELP line for metric "m" \(the first is on line 1\)/,
    ],
    [
      "the same series twice",
      text('m{a="1",b="2"} 1', "other 0", 'm{b="2",a="1"} 2'),
      3,
      /duplicate series m\{b="2",a="1"\} \(first on line 1\)/,
    ],
    [
      "the same histogram bucket twice",
      text("# TYPE h histogram", 'h_bucket{le="1"} 1', 'h_bucket{le="1.0"} 1', 'h_bucket{le="1"} 2'),
      4,
      /duplicate series h_bucket\{le="1"\}/,
    ],
    [
      "a histogram bucket without le",
      text("# TYPE h histogram", 'h_bucket{x="1"} 1'),
      2,
      /h_bucket\{x="1"\} has no "le" label/,
    ],
    [
      "a histogram bucket with a bad le",
      text("# TYPE h histogram", 'h_bucket{le="big"} 1'),
      2,
      /has an invalid "le" value "big"/,
    ],
    ["a bare histogram sample", text("# TYPE h histogram", "h 1"), 2, /histogram "h" has a sample named "h"/],
    [
      "a summary sample without quantile",
      text("# TYPE s summary", 's{x="1"} 1'),
      2,
      /s\{x="1"\} has no "quantile" label/,
    ],
  ])("%s", (_title, input, line, message) => {
    let caught: unknown;
    try {
      parseTextFormat(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TextFormatError);
    const err = caught as TextFormatError;
    expect(err.name).toBe("TextFormatError");
    expect(err.line).toBe(line);
    expect(err.message).toMatch(new RegExp(`^line ${line}: `));
    expect(err.message).toMatch(message);
  });
});
