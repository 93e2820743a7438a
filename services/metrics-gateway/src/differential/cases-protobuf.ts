// Delimited protobuf pushes (`Content-Type: application/vnd.google.protobuf;
// proto=io.prometheus.client.MetricFamily; encoding=delimited`) encoded here with protobufjs from
// the Go client's metrics.proto; protobuf-push.test.ts pushes with the Go client itself.
// One row per case, in the shape of case-table.ts; transport.test.ts runs them.
import { encodeDelimitedProtobuf } from "@kubedump/metrics/protobuf";
import { type DiffCase, PROTOBUF_CONTENT_TYPE, type Step } from "./case-table.js";

const GAUGE = 1;
const J = "/metrics/job/pb";
const PB = { "content-type": PROTOBUF_CONTENT_TYPE };

/** A gauge family with one metric per value, unlabelled for the first, `i="n"` for the others. */
const gauge = (name: string, ...values: number[]) => ({
  name,
  type: GAUGE,
  metric: values.map((value, i) => ({ label: i === 0 ? [] : [{ name: "i", value: String(i) }], gauge: { value } })),
});
const send = (method: "PUT" | "POST", ...families: object[]): Step => ({
  method,
  path: J,
  headers: PB,
  body: encodeDelimitedProtobuf(families),
});

export const PROTOBUF_CASES: DiffCase[] = [
  {
    name: "a POST of a family without metrics removes the group's family of that name",
    steps: [send("PUT", gauge("a", 1, 2), gauge("b", 3)), send("POST", gauge("a"))],
  },
  {
    name: "a POST of a family without metrics beside one with metrics",
    steps: [send("PUT", gauge("a", 1), gauge("b", 2), gauge("c", 3)), send("POST", gauge("a"), gauge("b", 5))],
  },
  {
    name: "a POST of a family without metrics to a new group creates it empty",
    steps: [send("POST", gauge("a"))],
  },
  {
    name: "a PUT of only a family without metrics empties the group",
    steps: [send("PUT", gauge("a", 1)), send("PUT", gauge("a"))],
  },
  {
    name: "a text POST of a lone # TYPE keeps the group's family of that name",
    steps: [
      send("PUT", gauge("a", 1)),
      { method: "POST", path: J, headers: { "content-type": "text/plain; version=0.0.4" }, body: "# TYPE a gauge\n" },
    ],
  },
];
