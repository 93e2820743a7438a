// How a body arrives: prom-client's Pushgateway class, curl-like requests, content types, gzip, size.
import { Counter, Gauge, Histogram, type PrometheusContentType, Pushgateway, Registry, Summary } from "prom-client";
import { bigBody, type DiffCase, gzipped, put, type Step, TEXT } from "./case-table.js";

const J = "/metrics/job/transport";
const SAMPLE = "# TYPE t_total counter\nt_total 4\n";

/** A registry with one metric of every type prom-client has, filled the same way each time. */
function filledRegistry(): Registry {
  const registers = [new Registry()];
  const [reg] = registers as [Registry];
  new Counter({ name: "pc_runs_total", help: "Runs.", labelNames: ["kind"], registers }).inc({ kind: "full" }, 3);
  new Gauge({ name: "pc_temperature", help: "Temperature.", labelNames: ["room"], registers }).set(
    { room: "attic" },
    21.5,
  );
  const h = new Histogram({ name: "pc_latency_seconds", help: "Latency.", buckets: [0.1, 1], registers });
  for (const v of [0.05, 0.5, 5]) h.observe(v);
  const s = new Summary({ name: "pc_size_bytes", help: "Size.", percentiles: [0.5, 0.9], registers });
  for (const v of [1, 2, 3, 4]) s.observe(v);
  return reg;
}

type ClientCall = (gw: Pushgateway<PrometheusContentType>) => Promise<unknown>;

/** A step that runs prom-client against the gateway and returns the HTTP status it met. */
function promClient(label: string, call: ClientCall, options: Record<string, unknown> = {}): Step {
  return {
    method: "PUT",
    path: `(prom-client ${label})`,
    client: async (url) => {
      try {
        const res = (await call(new Pushgateway(url, options, filledRegistry()))) as { resp: { statusCode: number } };
        return res.resp.statusCode;
      } catch (err) {
        const status = /status (\d{3})/.exec(String(err))?.[1];
        if (status === undefined) throw err;
        return Number(status);
      }
    },
  };
}

export const TRANSPORT_CASES: DiffCase[] = [
  { name: "prom-client push", steps: [promClient("push", (gw) => gw.push({ jobName: "pc" }))] },
  {
    name: "prom-client pushAdd after push",
    steps: [
      promClient("push", (gw) => gw.push({ jobName: "pc", groupings: { instance: "h1" } })),
      promClient("pushAdd", (gw) => gw.pushAdd({ jobName: "pc", groupings: { instance: "h1", extra: "e" } })),
    ],
  },
  {
    name: "prom-client delete",
    steps: [
      promClient("push", (gw) => gw.push({ jobName: "pc", groupings: { instance: "h1" } })),
      {
        ...promClient("delete", (gw) => gw.delete({ jobName: "pc", groupings: { instance: "h1" } })),
        method: "DELETE",
      },
    ],
  },
  {
    name: "prom-client with a slash in a grouping value",
    steps: [promClient("push", (gw) => gw.push({ jobName: "pc", groupings: { path: "/var/tmp" } }))],
  },
  {
    name: "prom-client with a space and UTF-8 in the job",
    steps: [promClient("push", (gw) => gw.push({ jobName: "nightly backup ☃" }))],
  },
  {
    name: "prom-client gzip",
    steps: [promClient("push gzip", (gw) => gw.push({ jobName: "pc" }), { headers: { "Content-Encoding": "gzip" } })],
  },
  { name: "curl --data-binary: no Content-Type", steps: [put(J, SAMPLE, {})] },
  {
    name: "curl --data: a form Content-Type",
    steps: [put(J, SAMPLE, { "content-type": "application/x-www-form-urlencoded" })],
  },
  { name: "a JSON Content-Type with a text body", steps: [put(J, SAMPLE, { "content-type": "application/json" })] },
  {
    name: "the OpenMetrics Content-Type with a text body",
    steps: [put(J, SAMPLE, { "content-type": "application/openmetrics-text; version=1.0.0" })],
  },
  {
    name: "a bare protobuf Content-Type with a text body",
    steps: [put(J, SAMPLE, { "content-type": "application/vnd.google.protobuf" })],
  },
  {
    name: "a protobuf Content-Type of another message with a text body",
    steps: [
      put(J, SAMPLE, { "content-type": "application/vnd.google.protobuf; proto=other.Message; encoding=delimited" }),
    ],
  },
  {
    name: "a protobuf Content-Type, not delimited, with a text body",
    steps: [
      put(J, SAMPLE, {
        "content-type": "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=text",
      }),
    ],
  },
  {
    name: "a malformed Content-Type with a text body",
    steps: [put(J, SAMPLE, { "content-type": "application/vnd.google.protobuf; encoding" })],
  },
  {
    name: "a text Content-Type with charset",
    steps: [put(J, SAMPLE, { "content-type": "text/plain; charset=utf-8" })],
  },
  {
    name: "gzip",
    steps: [{ method: "PUT", path: J, headers: { ...TEXT, "content-encoding": "gzip" }, body: gzipped(SAMPLE) }],
  },
  {
    name: "gzip in capitals",
    steps: [{ method: "POST", path: J, headers: { ...TEXT, "content-encoding": "GZIP" }, body: gzipped(SAMPLE) }],
  },
  {
    name: "gzip declared, plain text sent",
    steps: [put(J, SAMPLE, { ...TEXT, "content-encoding": "gzip" })],
  },
  {
    name: "identity Content-Encoding",
    steps: [put(J, SAMPLE, { ...TEXT, "content-encoding": "identity" })],
  },
  {
    name: "an unknown Content-Encoding with a plain body",
    steps: [put(J, SAMPLE, { ...TEXT, "content-encoding": "br" })],
  },
  { name: "a body just under the size limit", steps: [put(J, bigBody(1024 * 1024 - 200))] },
];
