// Fixtures shared by this package's tests; excluded from the build (tsconfig.build.json).
import type { MetricFamily } from "./types.js";

/** Lines of the text format, each ended by a newline. */
export const text = (...lines: string[]): string => `${lines.join("\n")}\n`;

/** Text that parseTextFormat reads, and the families it reads from it: [title, text, families]. */
export const PARSED: [string, string, MetricFamily[]][] = [
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
];
