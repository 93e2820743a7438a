// Grouping paths: how each gateway reads `/metrics/job/<job>{/<label>/<value>}`.
import { b64, type DiffCase, del, put, type Step } from "./case-table.js";

const SAMPLE = "path_probe 1\n";
const at = (path: string): Step => put(path, SAMPLE);
const one = (name: string, path: string): DiffCase => ({ name, steps: [at(path)] });

export const PATH_CASES: DiffCase[] = [
  one("a job only", "/metrics/job/j"),
  one("a job and an instance", "/metrics/job/j/instance/i-1"),
  one("several labels", "/metrics/job/j/zone/eu/rack/r7/instance/h"),
  one("a trailing slash after the job", "/metrics/job/j/"),
  one("a trailing slash after a label pair", "/metrics/job/j/zone/eu/"),
  one("a slash and no job: PUT", "/metrics/job/"),
  { name: "a slash and no job: POST", steps: [{ ...at("/metrics/job/"), method: "POST" }] },
  { name: "a slash and no job: DELETE", steps: [del("/metrics/job/")] },
  one("no job segment at all", "/metrics/job"),
  one("an empty job segment before the job", "/metrics/job//j"),
  one("an empty segment among the labels", "/metrics/job/j//zone/eu"),
  one("a doubled slash between labels", "/metrics/job/j/zone//eu"),
  one("an odd number of label components", "/metrics/job/j/lonely"),
  one("an improper label name", "/metrics/job/j/1zone/eu"),
  one("a label name reserved by Prometheus", "/metrics/job/j/__name/x"),
  one("a label name with a dash", "/metrics/job/j/my-label/x"),
  one("a repeated label: the last value wins", "/metrics/job/j/zone/eu/zone/us"),
  one("a repeated job: the job segment wins", "/metrics/job/j/job/other"),
  one("%2F in the job splits it", "/metrics/job/a%2Fb"),
  one("%2F in the job that leaves an even label part", "/metrics/job/j%2Fzone/eu"),
  one("%2F in a label value", "/metrics/job/j/path/var%2Ftmp"),
  one(
    "a percent-encoded UTF-8 value",
    "/metrics/job/titan/name/%CE%A0%CF%81%CE%BF%CE%BC%CE%B7%CE%B8%CE%B5%CF%8D%CF%82",
  ),
  one("percent-encoded space, equals sign and quote", "/metrics/job/j/v/a%20b%3Dc%22d"),
  one("a raw UTF-8 path", "/metrics/job/j/v/Προμηθεύς"),
  one("invalid percent-encoding", "/metrics/job/j/v/%E0%A4%A"),
  one("a percent sign without hex digits", "/metrics/job/j/v/100%25%ZZ"),
  one("job@base64 with a slash in the job", `/metrics/job@base64/${b64("a/b")}`),
  one("label@base64 with a path", `/metrics/job/directory_cleaner/path@base64/${b64("/var/tmp")}`),
  one("base64 with more padding than needed", `/metrics/job@base64/${b64("j")}===`),
  one("base64 with padding", `/metrics/job/j/v@base64/${Buffer.from("ab").toString("base64")}`),
  one("base64 = for an empty value beside another label", "/metrics/job/example/first@base64/=/second/foobar"),
  one("base64 of UTF-8", "/metrics/job/titan/name@base64/zqDPgc6_zrzOt864zrXPjc-C"),
  one("%40base64 for @base64", `/metrics/job%40base64/${b64("x/y")}/v%40base64/${b64("1/2")}`),
  one("invalid base64 in the job", "/metrics/job@base64/!!!"),
  one("invalid base64 in a label value", "/metrics/job/j/v@base64/a+b"),
  one("a base64 empty job", "/metrics/job@base64/="),
  one("a base64 value of one character too many", "/metrics/job/j/v@base64/QUJDA"),
  one("an empty value by a trailing slash", "/metrics/job/j/zone/"),
  one("the path's case differs", "/METRICS/job/j"),
  {
    name: "the same group through plain and base64 paths",
    steps: [at("/metrics/job/j/v/a%2Cb"), put(`/metrics/job@base64/${b64("j")}/v@base64/${b64("a,b")}`, "second 2\n")],
  },
  {
    name: "a DELETE through a base64 path",
    steps: [at("/metrics/job/j/p/x"), del(`/metrics/job/j/p@base64/${b64("x")}`)],
  },
  { name: "GET on a push path", steps: [{ method: "GET", path: "/metrics/job/j" }] },
  { name: "OPTIONS on a push path", steps: [{ method: "OPTIONS", path: "/metrics/job/j" }] },
];
