// PUT, POST and DELETE, and what one group's push may do to another's.
import { b64, type DiffCase, del, post, put } from "./case-table.js";

const A = "/metrics/job/a";
const B = "/metrics/job/b";
const counter = (name: string, value: number, help = "A counter."): string =>
  `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name} ${value}\n`;
const gauge = (name: string, value: number): string => `# TYPE ${name} gauge\n${name} ${value}\n`;

export const SEMANTICS_CASES: DiffCase[] = [
  { name: "PUT replaces the whole group", steps: [put(A, "x 1\ny 2\n"), put(A, "y 3\n")] },
  { name: "POST replaces only the families pushed", steps: [put(A, "x 1\ny 2\n"), post(A, 'y{v="new"} 3\n')] },
  { name: "POST adds to a new group", steps: [post(A, "x 1\n")] },
  { name: "PUT with an empty body empties the group", steps: [put(A, "x 1\n"), put(A, "")] },
  { name: "POST with an empty body keeps the metrics", steps: [put(A, "x 1\n"), post(A, "")] },
  { name: "DELETE removes the group and its push times", steps: [put(A, "x 1\n"), put(B, "x 2\n"), del(A)] },
  { name: "DELETE of a group that does not exist", steps: [put(A, "x 1\n"), del(B)] },
  { name: "DELETE with a body", steps: [put(A, "x 1\n"), { method: "DELETE", path: A, body: "x 1\n" }] },
  { name: "DELETE of a group by a prefix of its labels", steps: [put(`${A}/i/1`, "x 1\n"), del(A)] },
  { name: "PUT after DELETE", steps: [put(A, "x 1\n"), del(A), put(A, "y 2\n")] },
  {
    name: "a type conflict across groups",
    steps: [put(A, counter("shared", 1)), put(B, gauge("shared", 2))],
  },
  {
    name: "a type conflict across groups by POST into a held group",
    steps: [put(A, counter("shared", 1)), put(B, "other 1\n"), post(B, gauge("shared", 2))],
  },
  {
    name: "a type conflict resolved by deleting the other group",
    steps: [put(A, counter("shared", 1)), del(A), put(B, gauge("shared", 2))],
  },
  { name: "a type change within one group by PUT", steps: [put(A, counter("own", 1)), put(A, gauge("own", 2))] },
  { name: "a type change within one group by POST", steps: [put(A, counter("own", 1)), post(A, gauge("own", 2))] },
  {
    name: "a type change by POST while another family stays",
    steps: [put(A, `${counter("own", 1)}kept 1\n`), post(A, gauge("own", 2))],
  },
  {
    name: "untyped beside typed of the same name in another group",
    steps: [put(A, counter("shared", 1)), put(B, "shared 2\n")],
  },
  {
    name: "differing HELP across groups",
    steps: [put(A, counter("shared", 1, "First help.")), put(B, counter("shared", 2, "Second help."))],
    helpMayDiffer: true,
  },
  {
    name: "a HELP and no HELP across groups",
    steps: [put(A, counter("shared", 1)), put(B, "# TYPE shared counter\nshared 2\n")],
    helpMayDiffer: true,
  },
  {
    name: "the same series from two groups",
    steps: [put(A, 'x{b="1"} 1\n'), put(`${A}/b/1`, "x 2\n")],
  },
  {
    name: "a series of one group and a prefix group",
    steps: [put(`${A}/b/1`, "x 2\n"), put(A, 'x{b="2"} 1\n')],
  },
  {
    name: "a failed push then a good one to the same group",
    steps: [put(A, "x 1\n"), put(A, "x 1 1700000000000\n"), post(A, "y 2\n")],
  },
  { name: "a failed push to a new group", steps: [put(A, "x 1 1700000000000\n")] },
  { name: "a malformed push to a new group", steps: [put(A, "x{\n")] },
  {
    name: "a failed push by a type conflict leaves the group",
    steps: [put(A, gauge("g", 1)), put(B, "y 1\n"), put(B, counter("g", 2))],
  },
  { name: "push_time_seconds in the body", steps: [put(A, "push_time_seconds 5\nx 1\n")] },
  { name: "push_failure_time_seconds in the body of a new group", steps: [put(A, "push_failure_time_seconds 5\n")] },
  {
    name: "an untyped _bucket beside a histogram of another group",
    steps: [put(A, '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\nh_sum 1\n'), put(B, "h_bucket 2\n")],
  },
  {
    name: "a histogram beside an untyped _count of another group",
    steps: [put(B, "h_count 2\n"), put(A, '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n')],
  },
  {
    name: "a summary beside an untyped _bucket and _sum of other groups",
    steps: [put(A, '# TYPE s summary\ns{quantile="0.5"} 1\n'), put(B, "s_bucket 2\n"), put(`${B}/i/1`, "s_sum 3\n")],
  },
  {
    name: "an untyped _count before its histogram in one push",
    steps: [put(A, 'h_count 1\n# TYPE h histogram\nh_bucket{le="1"} 1\n')],
  },
  {
    name: "a body instance that the path's instance overwrites",
    steps: [put(`${A}/instance/i1`, 'x{instance="i2"} 1\n'), post(`${A}/instance/i1`, 'y{instance=""} 2\n')],
  },
  {
    name: "a metric of the gateway's own, with the same type",
    steps: [put(A, "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 5\n")],
  },
  {
    name: "a metric of the gateway's own, with another type",
    steps: [put(A, "# TYPE process_start_time_seconds counter\nprocess_start_time_seconds 5\n")],
  },
  {
    name: "a metric of the gateway's own, untyped",
    steps: [put(A, "process_resident_memory_bytes 5\n")],
  },
  {
    name: "two groups, one metric, then a DELETE of one",
    steps: [put(A, counter("shared", 1)), put(`${A}/i/2`, counter("shared", 2)), del(`${A}/i/2`)],
  },
  {
    name: "a group with an empty label value alone",
    steps: [put("/metrics/job/e/first@base64/=", "x 1\n")],
  },
  {
    name: "the job encoded two ways in one session",
    steps: [put(`/metrics/job@base64/${b64("a")}`, "x 1\n"), post(A, "y 2\n"), del(`/metrics/job@base64/${b64("a")}=`)],
  },
];
