import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { goPush, pushedSeries, startReference } from "./pushgateway-support.js";
import { send, startGateway } from "./test-support.js";

// The JSON API of the gateway next to Prometheus's Pushgateway v1.11.3's, after the same requests.

type Json = Record<string, unknown>;

async function api(url: string, path: string): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(`${url}/api/v1/${path}`);
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}

async function metricsJson(url: string): Promise<Json[]> {
  const { status, body, headers } = await api(url, "metrics");
  expect(status).toBe(200);
  expect(headers.get("content-type")).toMatch(/^application\/json/);
  expect(body.status).toBe("success");
  return body.data as Json[];
}

const labelsKey = (group: Json): string => JSON.stringify(Object.entries(group.labels as Json).sort());
const isFamily = (key: string) => key !== "labels" && key !== "last_push_successful";

/**
 * An answer of /api/v1/metrics made comparable across gateways: groups sorted by their labels,
 * each time stamp replaced by its rank among the answer's time stamps, push times by "set" or "0".
 */
function comparable(groups: Json[]): Json[] {
  const families = groups.flatMap((g) =>
    Object.entries(g)
      .filter(([k]) => isFamily(k))
      .map(([, f]) => f as Json),
  );
  const stamps = [...new Set(families.map((f) => Date.parse(f.time_stamp as string)))].sort((a, b) => a - b);
  expect(stamps.every((t) => Number.isFinite(t))).toBe(true);
  return groups
    .map((g) => {
      const out: Json = {};
      for (const [key, value] of Object.entries(g)) {
        if (!isFamily(key)) out[key] = value;
        else {
          const f = value as Json & { metrics: Json[] };
          const metrics = key.startsWith("push_")
            ? f.metrics.map((m) => ({ ...m, value: m.value === "0" ? "0" : "set" }))
            : f.metrics;
          out[key] = { ...f, time_stamp: stamps.indexOf(Date.parse(f.time_stamp as string)), metrics };
        }
      }
      return out;
    })
    .sort((a, b) => labelsKey(a).localeCompare(labelsKey(b)));
}

const TEXT_ALL = [
  "# HELP t_runs_total Runs <so far> & more.",
  "# TYPE t_runs_total counter",
  't_runs_total{kind="a"} 3',
  "# TYPE t_values gauge",
  't_values{v="big"} 1234567',
  't_values{v="tiny"} 1e-7',
  't_values{v="neg"} -Inf',
  't_values{v="nan"} NaN',
  "# HELP t_raw",
  "t_raw 0.1",
  "# HELP t_seconds A histogram.",
  "# TYPE t_seconds histogram",
  't_seconds_bucket{op="int",le="0.5"} 1',
  't_seconds_bucket{op="int",le="1000000"} 2',
  't_seconds_bucket{op="int",le="+Inf"} 3',
  't_seconds_sum{op="int"} 12.5',
  't_seconds_count{op="int"} 3',
  't_seconds_bucket{op="float",le="1"} 2.5',
  't_seconds_bucket{op="float",le="+Inf"} 3',
  't_seconds_sum{op="float"} 1e21',
  't_seconds_count{op="float"} 3',
  "# TYPE t_rpc summary",
  't_rpc{quantile="0.5"} NaN',
  't_rpc{quantile="0.99"} 2',
  "t_rpc_sum 7.25",
  "t_rpc_count 5",
  "",
].join("\n");

describe("GET /api/v1/metrics", () => {
  it("lists every group, family, time stamp and value as the Pushgateway does", async () => {
    const [{ url }, reference] = await Promise.all([startGateway(), startReference()]);
    const steps: [string, string, string, number][] = [
      ["PUT", "/metrics/job/text-all/instance/i1", TEXT_ALL, 200],
      ["POST", "/metrics/job/text-all/instance/i1", "# TYPE t_runs_total counter\nt_runs_total 9\nt_new 1\n", 200],
      ["PUT", "/metrics/job/broken", "stamped 1 1700000000000\n", 400],
      ["PUT", "/metrics/job/text-all/instance/i1", "late 1 1700000000000\n", 400],
      ["PUT", "/metrics/job/recovered/a/b", "stamped 1 1700000000000\n", 400],
      ["POST", "/metrics/job/recovered/a/b", "fine 2\n", 200],
    ];
    for (const [method, path, body, status] of steps) {
      for (const target of [url, reference]) expect((await send(target, method, path, body)).status).toBe(status);
      await sleep(5); // each step at its own millisecond, so that time stamps keep their order
    }
    const push = {
      job: "go",
      grouping: { instance: "g1" },
      metrics: ["counter", "counter-vec", "gauge", "untyped", "summary"],
    };
    for (const target of [url, reference]) expect(await goPush(target, push)).toEqual({});
    const ours = await metricsJson(url);
    expect(comparable(ours)).toEqual(comparable(await metricsJson(reference)));
    expect(ours).toHaveLength(4);
    const group = ours.find((g) => (g.labels as Json).job === "text-all") as Json;
    expect(group.last_push_successful).toBe(false);
    expect(group.t_seconds).toMatchObject({ type: "HISTOGRAM", help: "A histogram." });
    expect((group.t_seconds as { metrics: Json[] }).metrics).toEqual([
      {
        labels: { instance: "i1", job: "text-all", op: "int" },
        buckets: { "0.5": "1", "1e+06": "2", "+Inf": "3" },
        count: "3",
        sum: "12.5",
      },
      {
        labels: { instance: "i1", job: "text-all", op: "float" },
        buckets: { "1": "2.5", "+Inf": "3" },
        count: "3",
        sum: "1e+21",
      },
    ]);
  });

  it("lists a protobuf histogram with the +Inf bucket it is exposed with, which the Pushgateway's JSON leaves out", async () => {
    const [{ url }, reference] = await Promise.all([startGateway(), startReference()]);
    for (const target of [url, reference])
      expect(await goPush(target, { job: "h", metrics: ["histogram"] })).toEqual({});
    const buckets = async (target: string) => {
      const [group] = (await metricsJson(target)) as [{ gopush_histogram_seconds: { metrics: Json[] } }];
      return group.gopush_histogram_seconds.metrics[0]?.buckets;
    };
    expect(await buckets(url)).toEqual({ "0.1": "1", "1": "2", "10": "3", "+Inf": "4" });
    expect(await buckets(reference)).toEqual({ "0.1": "1", "1": "2", "10": "3" });
    expect(await pushedSeries(url)).toEqual(await pushedSeries(reference)); // while /metrics agrees
  });

  it("answers an empty list, with the Pushgateway's CORS headers, when nothing was pushed", async () => {
    const [{ url }, reference] = await Promise.all([startGateway(), startReference()]);
    const [ours, theirs] = [await api(url, "metrics"), await api(reference, "metrics")];
    expect(ours.body).toEqual({ status: "success", data: [] });
    expect(ours.body).toEqual(theirs.body);
    for (const h of ["access-control-allow-origin", "access-control-allow-methods", "cache-control"])
      expect(ours.headers.get(h), h).toBe(theirs.headers.get(h));
  });
});

describe("GET /api/v1/status", () => {
  it("has the Pushgateway's shape, its flag names, and the gateway's own settings in them", async () => {
    const before = Date.now();
    const [{ url }, reference] = await Promise.all([startGateway({ ENABLE_ADMIN_API: "true" }), startReference()]);
    const [ours, theirs] = [await api(url, "status"), await api(reference, "status")];
    expect(ours.status).toBe(200);
    expect(ours.headers.get("content-type")).toMatch(/^application\/json/);
    const [data, reference_] = [ours.body.data as Json, theirs.body.data as Json];
    expect(Object.keys(data).sort()).toEqual(Object.keys(reference_).sort());
    expect(Object.keys(data.build_information as Json)).toEqual(
      expect.arrayContaining(Object.keys(reference_.build_information as Json)),
    );
    const flags = data.flags as Json;
    expect(Object.keys(reference_.flags as Json)).toEqual(expect.arrayContaining(Object.keys(flags)));
    expect(flags).toMatchObject({ "web.enable-admin-api": "true", "web.telemetry-path": "/metrics" });
    expect(flags["web.listen-address"]).toBe("127.0.0.1:0"); // as configured (HTTP_PORT 0), as the Pushgateway shows its flag
    expect(Date.parse(data.start_time as string)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(data.start_time as string)).toBeLessThanOrEqual(Date.now());
  });
});

describe("the API's other methods", () => {
  it.each([
    ["OPTIONS", "anything/at/all", 200],
    ["POST", "metrics", 405],
    ["DELETE", "status", 405],
    ["GET", "admin/wipe", 405],
    ["GET", "nothing-here", 404],
  ])("%s /api/v1/%s: %s, as the Pushgateway with its admin API on answers", async (method, path, status) => {
    const [{ url }, reference] = await Promise.all([startGateway({ ENABLE_ADMIN_API: "true" }), startReference()]);
    for (const target of [url, reference]) {
      const res = await fetch(`${target}/api/v1/${path}`, { method });
      expect(res.status, target).toBe(status);
      if (status === 405) expect(res.headers.get("allow")).toMatch(/OPTIONS/);
    }
  });
});
