import type { Labels } from "@kubedump/metrics";
import { PROTOBUF_CONTENT_TYPE } from "@kubedump/metrics/protobuf";
import { beforeAll, describe, expect, it } from "vitest";
import { sortLabels } from "./exposition.js";
import { goClientRequest, type GoPush, goPush, pushedSeries, startReference } from "./pushgateway-support.js";
import { startGateway } from "./test-support.js";

// Pushes by the official Go client (packages/testenv/go/pusher), whose default is the delimited
// protobuf format, to the gateway and to Prometheus's Pushgateway v1.11.3: the same answers, and
// the same pushed series in both scrapes.

const KINDS = ["counter", "counter-vec", "gauge", "untyped", "histogram", "native-histogram", "summary"];
const series = (name: string, labels: Labels, value: string | number) =>
  `${name}{${Object.entries(sortLabels(labels))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(",")}} ${value}`;

/** Both gateways, fresh. */
async function both(): Promise<[string, string]> {
  const [{ url }, reference] = await Promise.all([startGateway(), startReference()]);
  return [url, reference];
}

describe("protobuf pushes by the Go client", () => {
  it("are scraped back with the series Pushgateway shows for them, for every kind of metric", async () => {
    const [url, reference] = await both();
    const push: GoPush = { job: "go-batch", grouping: { instance: "host-1", path: "/var/backups" }, metrics: KINDS };
    expect(await goPush(url, push)).toEqual({});
    expect(await goPush(reference, push)).toEqual({});
    const ours = await pushedSeries(url);
    expect(ours).toEqual(await pushedSeries(reference));
    const g = { instance: "host-1", job: "go-batch", path: "/var/backups" };
    expect(ours).toEqual(
      expect.arrayContaining([
        series("gopush_counter_total", g, 42),
        series("gopush_counter_vec_total", { ...g, code: "500" }, 1),
        series("gopush_gauge", g, 3.25),
        series("gopush_untyped", g, -1.5),
        series("gopush_histogram_seconds_bucket", { ...g, le: "0.1" }, 1),
        series("gopush_histogram_seconds_bucket", { ...g, le: "+Inf" }, 4),
        series("gopush_histogram_seconds_sum", g, 55.55),
        series("gopush_native_histogram_seconds_bucket", { ...g, le: "+Inf" }, 4),
        series("gopush_native_histogram_seconds_count", g, 4),
        series("gopush_summary_seconds", { ...g, quantile: "0.9" }, 50),
        series("gopush_summary_seconds_count", g, 4),
        series("push_time_seconds", g, "set"),
        series("push_failure_time_seconds", g, 0),
      ]),
    );
  });

  it("Push (PUT), Add (POST) and Delete change the group as they do in the Pushgateway", async () => {
    const [url, reference] = await both();
    const group = { job: "go-steps", grouping: { instance: "a" } };
    const steps: [GoPush, (s: string[]) => void][] = [
      [{ ...group, metrics: ["counter", "histogram"] }, (s) => expect(s).toHaveLength(9)],
      [{ ...group, method: "post", metrics: ["gauge"] }, (s) => expect(s).toHaveLength(10)],
      [
        { ...group, method: "post", metrics: ["counter-vec"], prefix: "gopush" },
        (s) => expect(s.filter((l) => l.startsWith("gopush_counter_vec_total"))).toHaveLength(2),
      ],
      [
        { ...group, metrics: ["summary"] },
        (s) => expect(s.filter((l) => l.startsWith("gopush_histogram"))).toEqual([]),
      ],
      [{ ...group, method: "delete" }, (s) => expect(s).toEqual([])],
    ];
    for (const [push, check] of steps) {
      expect(await goPush(url, push)).toEqual({});
      expect(await goPush(reference, push)).toEqual({});
      const ours = await pushedSeries(url);
      expect(ours, `after ${push.method ?? "put"} ${push.metrics ?? ""}`).toEqual(await pushedSeries(reference));
      check(ours);
    }
  });

  it("give the same series as the Go client's text-format push of the same metrics", async () => {
    const { url } = await startGateway();
    expect(await goPush(url, { job: "as-protobuf", metrics: KINDS })).toEqual({});
    expect(await goPush(url, { job: "as-text", metrics: KINDS, format: "text", prefix: "gotext" })).toEqual({});
    const all = await pushedSeries(url);
    const of = (job: string, prefix: string) =>
      all.filter((s) => s.includes(`job="${job}"`) && s.startsWith(prefix)).map((s) => s.slice(prefix.length));
    expect(of("as-protobuf", "gopush_")).toEqual(
      of("as-text", "gotext_").map((s) => s.replace("as-text", "as-protobuf")),
    );
    expect(of("as-protobuf", "gopush_")).toHaveLength(18);
  });

  it("with a timestamp are refused with 400 and recorded as a failed push, as in the Pushgateway", async () => {
    const [url, reference] = await both();
    const push: GoPush = { job: "stamped", metrics: ["timestamped-gauge"] };
    expect((await goPush(url, push)).error).toMatch(/unexpected status code 400 .*must not have timestamps/);
    expect((await goPush(reference, push)).error).toMatch(/unexpected status code 400 .*must not have timestamps/);
    const ours = await pushedSeries(url);
    expect(ours).toEqual(await pushedSeries(reference));
    expect(ours).toEqual([
      series("push_failure_time_seconds", { instance: "", job: "stamped" }, "set"),
      series("push_time_seconds", { instance: "", job: "stamped" }, 0),
    ]);
  });
});

describe("the Content-Type of a push decides its format as in the Pushgateway", () => {
  let protobufBody: Buffer;
  const TEXT = "# TYPE ct_probe gauge\nct_probe 1\n";
  beforeAll(async () => {
    const sent = await goClientRequest({ job: "capture", metrics: ["gauge"], prefix: "ct" });
    expect(sent.contentType).toBe(PROTOBUF_CONTENT_TYPE);
    protobufBody = sent.body;
  });

  it.each([
    ["the Go client's", PROTOBUF_CONTENT_TYPE, "protobuf", 200],
    ["the Go client's", PROTOBUF_CONTENT_TYPE, "text", 400],
    ["the Go client's", PROTOBUF_CONTENT_TYPE, "empty", 200],
    ["the Go client's", PROTOBUF_CONTENT_TYPE, "cut short", 400],
    [
      "parameters reordered",
      "application/vnd.google.protobuf; encoding=delimited; proto=io.prometheus.client.MetricFamily",
      "protobuf",
      200,
    ],
    [
      "upper-case type and names",
      "Application/Vnd.Google.Protobuf; PROTO=io.prometheus.client.MetricFamily; Encoding=delimited",
      "protobuf",
      200,
    ],
    [
      "quoted values",
      'application/vnd.google.protobuf; proto="io.prometheus.client.MetricFamily"; encoding="delimited"',
      "protobuf",
      200,
    ],
    ["a trailing semicolon", `${PROTOBUF_CONTENT_TYPE};`, "protobuf", 200],
    ["no parameters", "application/vnd.google.protobuf", "text", 200],
    ["no encoding", "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily", "text", 200],
    [
      "an upper-case value",
      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=DELIMITED",
      "text",
      200,
    ],
    ["a parameter twice", `${PROTOBUF_CONTENT_TYPE}; encoding=delimited`, "protobuf", 200],
    ["a parameter twice with another value", `${PROTOBUF_CONTENT_TYPE}; encoding=size`, "text", 200],
    ["a stray character", `${PROTOBUF_CONTENT_TYPE}; @`, "text", 200],
    ["text", "text/plain; version=0.0.4", "protobuf", 400],
  ])("%s (%s) with a %s body: %s", async (_title, contentType, kind, status) => {
    const [url, reference] = await both();
    const body =
      { protobuf: protobufBody, text: Buffer.from(TEXT), empty: Buffer.alloc(0) }[kind] ?? protobufBody.subarray(0, -2);
    const answers: number[] = [];
    for (const target of [url, reference]) {
      const res = await fetch(`${target}/metrics/job/ct`, {
        method: "PUT",
        body,
        headers: { "content-type": contentType },
      });
      answers.push(res.status);
    }
    expect(answers).toEqual([status, status]);
    const ours = await pushedSeries(url);
    expect(ours).toEqual(await pushedSeries(reference));
    expect(ours.some((s) => s.startsWith("ct_gauge") || s.startsWith("ct_probe"))).toBe(
      status === 200 && kind !== "empty",
    );
  });
});
