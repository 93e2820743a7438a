// Where kubedump's gateway deliberately answers otherwise than Pushgateway v1.11.3: each row names
// the heading of docs/metrics.md ("Differences from Pushgateway") that says why.
import { bigBody, type DiffCase, type Difference, del, gzipped, put, type Step, TEXT } from "./case-table.js";

const EMPTY = "An empty label value is no label";
const UTF8 = "Grouping label values must be UTF-8";
const TWICE = "A series is never served twice";
const PUSH_TIMES = "Pushed push times are ignored";
const LIMIT = "Push bodies have a size limit";
const J = "/metrics/job/transport";

const series = (group: string, ...more: string[]): string[] =>
  [
    `gauge push_failure_time_seconds{instance="",${group}} 0`,
    `gauge push_time_seconds{instance="",${group}} set`,
    ...more,
  ].sort();
const failed = (group: string): string[] => [
  `gauge push_failure_time_seconds{instance="",${group}} set`,
  `gauge push_time_seconds{instance="",${group}} 0`,
];
const differing = (step: Step, differs: Difference): Step => ({ ...step, differs });

/** CRC-32C (Castagnoli), masked as the snappy framing format wants it. */
function maskedCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  crc = (crc ^ 0xffffffff) >>> 0;
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** A snappy framed stream holding `text` in one uncompressed chunk, as `snzip` may write it. */
function snappyFramed(text: string): Uint8Array {
  const data = Buffer.from(text);
  const header = Buffer.alloc(8);
  header.writeUInt8(0x01, 0);
  header.writeUIntLE(data.length + 4, 1, 3);
  header.writeUInt32LE(maskedCrc32c(data), 4);
  return Buffer.concat([Buffer.from([0xff, 0x06, 0x00, 0x00, ...Buffer.from("sNaPpY")]), header, data]);
}

export const DIFFERENCE_CASES: DiffCase[] = [
  {
    name: 'a group with instance="" beside the group without it',
    steps: [
      put("/metrics/job/x", "a 1\n"),
      differing(put("/metrics/job/x/instance/", "b 2\n"), {
        doc: EMPTY,
        kubedump: 200,
        pushgateway: 400,
        kubedumpSeries: series('job="x"', 'untyped b{instance="",job="x"} 2'),
        pushgatewayScrape: 500,
      }),
    ],
  },
  {
    name: "a group with another empty label beside the group without it",
    steps: [
      put("/metrics/job/x", "a 1\n"),
      differing(put("/metrics/job/x/zone@base64/=", "b 2\n"), {
        doc: EMPTY,
        kubedump: 200,
        pushgateway: 200,
        kubedumpSeries: series('job="x"', 'untyped b{instance="",job="x"} 2'),
      }),
    ],
  },
  {
    name: "a DELETE naming an empty label deletes the group without it",
    steps: [
      put("/metrics/job/e/zone/eu", "x 1\n"),
      differing(del("/metrics/job/e/zone/eu/first@base64/="), {
        doc: EMPTY,
        kubedump: 202,
        pushgateway: 202,
        kubedumpSeries: [],
      }),
    ],
  },
  {
    name: "two series in one push that differ by an empty label",
    steps: [
      differing(put("/metrics/job/x", 'v{x=""} 1\nv 2\n'), {
        doc: EMPTY,
        kubedump: 400,
        pushgateway: 200,
        kubedumpSeries: failed('job="x"'),
      }),
    ],
  },
  {
    name: "a base64 label value that is not UTF-8",
    steps: [
      differing(put(`/metrics/job/j/v@base64/${Buffer.from([0xff, 0xfe]).toString("base64url")}`, "x 1\n"), {
        doc: UTF8,
        kubedump: 400,
        pushgateway: 400,
        kubedumpSeries: [],
        pushgatewayScrape: 500,
      }),
    ],
  },
  {
    name: "a percent-encoded label value that is not UTF-8",
    steps: [
      differing(put("/metrics/job/j/v/%FF", "x 1\n"), {
        doc: UTF8,
        kubedump: 400,
        pushgateway: 400,
        kubedumpSeries: [],
        pushgatewayScrape: 500,
      }),
    ],
  },
  {
    name: "histogram buckets that are one bucket once read",
    steps: [
      differing(put("/metrics/job/h", '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="1.0"} 1\nh_count 1\n'), {
        doc: TWICE,
        kubedump: 400,
        pushgateway: 200,
        kubedumpSeries: failed('job="h"'),
      }),
    ],
  },
  {
    name: "the same histogram bucket twice",
    steps: [
      differing(put("/metrics/job/h", '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="1"} 1\nh_count 1\n'), {
        doc: TWICE,
        kubedump: 400,
        pushgateway: 200,
        kubedumpSeries: failed('job="h"'),
      }),
    ],
  },
  {
    name: "push_failure_time_seconds in the body of an existing group",
    steps: [
      put("/metrics/job/a", "x 1\n"),
      differing(
        { ...put("/metrics/job/a", "push_failure_time_seconds 5\n"), method: "POST" },
        {
          doc: PUSH_TIMES,
          kubedump: 200,
          pushgateway: 200,
          kubedumpSeries: series('job="a"', 'untyped x{instance="",job="a"} 1'),
        },
      ),
    ],
  },
  {
    name: "snappy Content-Encoding",
    steps: [
      differing(
        {
          method: "PUT",
          path: "/metrics/job/s",
          headers: { ...TEXT, "content-encoding": "snappy" },
          body: snappyFramed("s 1\n"),
        },
        { doc: "Snappy-compressed pushes are refused", kubedump: 415, pushgateway: 200, kubedumpSeries: [] },
      ),
    ],
  },
  {
    name: "a redirect to a clean path with a percent-encoded job",
    steps: [
      differing(put("/metrics/job//a%20b", "x 1\n"), {
        doc: "Redirects keep percent-encoding as sent",
        kubedump: 307,
        pushgateway: 307,
        locations: { kubedump: "/metrics/job/a%20b", pushgateway: "/metrics/job/a%2520b" },
        kubedumpSeries: [],
      }),
    ],
  },
  {
    name: "a body over the size limit",
    steps: [
      {
        ...put(J, bigBody(1024 * 1024 + 100)),
        differs: { doc: LIMIT, kubedump: 413, pushgateway: 200, kubedumpSeries: [] },
      },
    ],
  },
  {
    name: "a gzip body that inflates over the size limit",
    steps: [
      {
        method: "PUT",
        path: J,
        headers: { ...TEXT, "content-encoding": "gzip" },
        body: gzipped(bigBody(2 * 1024 * 1024)),
        differs: { doc: LIMIT, kubedump: 413, pushgateway: 200, kubedumpSeries: [] },
      },
    ],
  },
];
