import { collectDefaultMetrics, Counter, Gauge, Histogram, Pushgateway, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { samplesOf, scrape, send, seriesValue, startGateway } from "./test-support.js";

describe("prom-client's Pushgateway client", () => {
  it("push, pushAdd and delete round-trip to /metrics with the grouping labels", async () => {
    const { url } = await startGateway();
    const first = new Registry();
    new Gauge({ name: "pc_temperature", help: "A gauge.", labelNames: ["room"], registers: [first] }).set(
      { room: "attic" },
      21.5,
    );
    const hist = new Histogram({
      name: "pc_latency_seconds",
      help: "A histogram.",
      labelNames: ["op"],
      buckets: [0.1, 1],
      registers: [first],
    });
    hist.observe({ op: "get" }, 0.05);
    hist.observe({ op: "get" }, 5);
    await new Pushgateway(url, {}, first).push({ jobName: "pc", groupings: { instance: "host-1" } });

    let families = await scrape(url);
    const group = { instance: "host-1", job: "pc" };
    expect(seriesValue(families, "pc_temperature", { ...group, room: "attic" })).toBe(21.5);
    expect(seriesValue(families, "pc_latency_seconds_bucket", { ...group, le: "0.1", op: "get" })).toBe(1);
    expect(seriesValue(families, "pc_latency_seconds_bucket", { ...group, le: "+Inf", op: "get" })).toBe(2);
    expect(seriesValue(families, "pc_latency_seconds_count", { ...group, op: "get" })).toBe(2);
    expect(families.find((f) => f.name === "pc_latency_seconds")?.type).toBe("histogram");

    const second = new Registry();
    new Counter({ name: "pc_runs_total", help: "A counter.", registers: [second] }).inc(3);
    new Gauge({ name: "pc_temperature", help: "A gauge.", labelNames: ["room"], registers: [second] }).set(
      { room: "cellar" },
      12,
    );
    await new Pushgateway(url, {}, second).pushAdd({ jobName: "pc", groupings: { instance: "host-1" } });
    families = await scrape(url);
    expect(seriesValue(families, "pc_runs_total", group)).toBe(3);
    expect(samplesOf(families, "pc_temperature").map((s) => s.labels.room)).toEqual(["cellar"]); // POST replaced the family
    expect(seriesValue(families, "pc_latency_seconds_count", { ...group, op: "get" })).toBe(2); // and kept the others

    await new Pushgateway(url, {}, second).push({ jobName: "pc", groupings: { instance: "host-1" } });
    families = await scrape(url);
    expect(samplesOf(families, "pc_latency_seconds_count")).toEqual([]); // PUT replaced the group

    await new Pushgateway(url, {}, second).delete({ jobName: "pc", groupings: { instance: "host-1" } });
    families = await scrape(url);
    expect(samplesOf(families, "pc_runs_total")).toEqual([]);
    expect(samplesOf(families, "push_time_seconds")).toEqual([]);
  });

  it("accepts a registry with default metrics, merging them into the gateway's own families", async () => {
    const { url } = await startGateway();
    const reg = new Registry();
    collectDefaultMetrics({ register: reg });
    await new Pushgateway(url, {}, reg).push({ jobName: "pc-defaults" });
    const families = await scrape(url);
    const cpu = families.filter((f) => f.name === "process_cpu_user_seconds_total");
    expect(cpu).toHaveLength(1);
    expect(cpu[0]?.type).toBe("counter");
    expect(cpu[0]?.samples.map((s) => s.labels)).toEqual([{}, { instance: "", job: "pc-defaults" }]);
  });

  it("sends the bearer token it is configured with, and writes without it are refused with 401", async () => {
    const { url } = await startGateway({ PUSH_TOKEN: "t0ken" });
    const reg = new Registry();
    new Gauge({ name: "auth_probe", help: "A gauge.", registers: [reg] }).set(1);
    await expect(new Pushgateway(url, {}, reg).push({ jobName: "auth" })).rejects.toThrow(/status 401/);
    const wrong = await send(url, "PUT", "/metrics/job/auth", "auth_probe 1\n", { authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
    expect((await send(url, "DELETE", "/metrics/job/auth")).status).toBe(401);
    await new Pushgateway(url, { headers: { Authorization: "Bearer t0ken" } }, reg).push({ jobName: "auth" });
    expect(seriesValue(await scrape(url), "auth_probe", { instance: "", job: "auth" })).toBe(1); // GET stays open
  });
});

describe("push paths", () => {
  it.each([
    [
      "job@base64 and label@base64",
      `/metrics/job@base64/${Buffer.from("a/b").toString("base64url")}/dir@base64/${Buffer.from("/var/tmp").toString("base64url")}`,
      { dir: "/var/tmp", job: "a/b" },
    ],
    ["padding kept", `/metrics/job@base64/${Buffer.from("ab").toString("base64")}`, { job: "ab" }],
    ["= for an empty value, which is no label", "/metrics/job/j/empty@base64/=", { job: "j" }],
    ["percent-encoded values", "/metrics/job/with%20space/path/a%2Cb%3D", { job: "with space", path: "a,b=" }],
  ])("%s", async (_title, path, grouping) => {
    const { url } = await startGateway();
    expect((await send(url, "PUT", path, "path_probe 7\n")).status).toBe(200);
    const families = await scrape(url);
    expect(samplesOf(families, "path_probe")).toEqual([
      { name: "path_probe", labels: { instance: "", ...grouping }, value: 7 },
    ]);
    expect((await send(url, "DELETE", path)).status).toBe(202);
    expect(samplesOf(await scrape(url), "path_probe")).toEqual([]);
  });

  it.each([
    ["an odd number of label components", "/metrics/job/j/lonely", /odd number of components/],
    ["an improper label name", "/metrics/job/j/__reserved/x", /improper label name "__reserved"/],
    ["invalid base64", "/metrics/job@base64/!!!", /invalid base64 encoding/],
    ["an empty job", "/metrics/job@base64/=", /job name is required/],
  ])("refuses %s with 400", async (_title, path, reason) => {
    const { url } = await startGateway();
    const res = await send(url, "PUT", path, "x 1\n");
    expect(res.status).toBe(400);
    expect(res.text).toMatch(reason);
  });
});

describe("consistency rules", () => {
  it.each([
    ["malformed text", "/metrics/job/b", "ok 1\nbad{ 1\n", /^text format parsing error in line 2: /],
    [
      "a TYPE that conflicts with another group's",
      "/metrics/job/b",
      "# TYPE shared gauge\nshared 2\n",
      /"shared" is pushed as gauge but group \{job="a"\} holds it as counter/,
    ],
    [
      "a series another group holds",
      "/metrics/job/a/x/1",
      '# HELP shared Shared.\n# TYPE shared counter\nshared{x="1"} 2\n',
      /series shared\{.*\} is already held by group \{job="a"\}/,
    ],
    ["a timestamp", "/metrics/job/b", "mine 1 1700000000000\n", /must not have timestamps/],
    [
      "another type for a metric of the gateway's own",
      "/metrics/job/b",
      "# TYPE process_cpu_user_seconds_total gauge\nprocess_cpu_user_seconds_total 1\n",
      /pushed as gauge but the gateway's own metric of that name is a counter/,
    ],
  ])("refuses %s with 400 and a reason", async (_title, path, body, reason) => {
    const { url } = await startGateway();
    const held = await send(
      url,
      "PUT",
      "/metrics/job/a",
      '# HELP shared Shared.\n# TYPE shared counter\nshared{instance="",x="1"} 1\n',
    );
    expect(held.status).toBe(200);
    const res = await send(url, "PUT", path, body);
    expect(res.status).toBe(400);
    expect(res.text).toMatch(reason);
    const families = await scrape(url);
    expect(samplesOf(families, "shared")).toHaveLength(1);
    expect(samplesOf(families, "mine")).toEqual([]);
  });

  it("overwrites body labels with the path's, takes a differing HELP and drops pushed push times", async () => {
    const { url } = await startGateway();
    const first = "# HELP shared First.\n# TYPE shared counter\nshared 1\n";
    expect((await send(url, "PUT", "/metrics/job/a/zone/eu", first)).status).toBe(200);
    const second = '# HELP shared Second.\n# TYPE shared counter\nshared{job="c",zone="us"} 2\npush_time_seconds 5\n';
    expect((await send(url, "PUT", "/metrics/job/b/zone/eu", second)).status).toBe(200);
    const families = await scrape(url);
    expect(seriesValue(families, "shared", { instance: "", job: "a", zone: "eu" })).toBe(1);
    expect(seriesValue(families, "shared", { instance: "", job: "b", zone: "eu" })).toBe(2);
    expect(families.find((f) => f.name === "shared")?.help).toBe("First.");
    expect(seriesValue(families, "push_time_seconds", { instance: "", job: "b", zone: "eu" })).not.toBe(5);
  });

  it("accepts a job label equal to the path's, and a failed push sets push_failure_time_seconds only", async () => {
    const { url } = await startGateway();
    const before = Date.now() / 1000;
    expect((await send(url, "PUT", "/metrics/job/a", '# TYPE shared counter\nshared{job="a"} 1\n')).status).toBe(200);
    expect((await send(url, "PUT", "/metrics/job/b", "# TYPE shared gauge\nshared 2\n")).status).toBe(400);
    expect((await send(url, "PUT", "/metrics/job/a", "# TYPE shared gauge\nshared 3\n")).status).toBe(200);
    expect((await send(url, "POST", "/metrics/job/a", "# TYPE shared gauge\nshared 4 1700000000000\n")).status).toBe(
      400,
    );
    const after = Date.now() / 1000;
    const families = await scrape(url);
    const a = { instance: "", job: "a" };
    const b = { instance: "", job: "b" };
    expect(seriesValue(families, "shared", a)).toBe(3);
    expect(seriesValue(families, "push_time_seconds", b)).toBe(0);
    expect(seriesValue(families, "push_failure_time_seconds", b)).toBeGreaterThanOrEqual(before);
    const pushA = seriesValue(families, "push_time_seconds", a) ?? 0;
    const failA = seriesValue(families, "push_failure_time_seconds", a) ?? 0;
    expect(pushA).toBeGreaterThanOrEqual(before);
    expect(failA).toBeGreaterThanOrEqual(pushA);
    expect(failA).toBeLessThanOrEqual(after);
  });

  it("answers 413 over the body limit and 400 for a protobuf body that does not decode", async () => {
    const { url } = await startGateway({ BODY_LIMIT_BYTES: "1024" });
    const big = Array.from({ length: 100 }, (_, i) => `big_metric_${i} ${i}`).join("\n");
    const res = await send(url, "PUT", "/metrics/job/big", big);
    expect(res.status).toBe(413);
    expect(res.text).toMatch(/exceeds the limit of 1024 bytes/);
    const proto = await send(url, "PUT", "/metrics/job/p", "x", {
      "content-type": "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
    });
    expect(proto.status).toBe(400);
    expect(proto.text).toMatch(/protocol buffer parsing error: MetricFamily message 1 does not decode/);
    expect(samplesOf(await scrape(url), "push_time_seconds")).toEqual([]);
  });
});
