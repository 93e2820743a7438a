// Helpers for the tests that push with the official Go client and compare the gateway with
// Prometheus's Pushgateway; excluded from the build (tsconfig.build.json).
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { formatValue, type MetricFamily, parseTextFormat } from "@kubedump/metrics";
import { ensureBinary, type Pushgateway, startPushgateway } from "@kubedump/testenv";
import { afterAll, expect } from "vitest";
import { sortLabels } from "./exposition.js";

const run = promisify(execFile);
const references: Pushgateway[] = [];

afterAll(async () => {
  await Promise.all(references.map((p) => p.stop()));
});

/** Prometheus's Pushgateway v1.11.3, stopped after the file. */
export async function startReference(args: string[] = []): Promise<string> {
  const pgw = await startPushgateway({ args });
  references.push(pgw);
  return pgw.url;
}

export interface GoPush {
  job: string;
  grouping?: Record<string, string>;
  /** Kinds of the pusher (packages/testenv/go/pusher): counter, gauge, histogram, summary, … */
  metrics?: string[];
  method?: "put" | "post" | "delete";
  format?: "protobuf" | "text";
  prefix?: string;
}

/** Pushes with the Go client; `error` is its message when the push failed. */
export async function goPush(url: string, push: GoPush): Promise<{ error?: string }> {
  const bin = await ensureBinary("go-pusher");
  const args = [`-url=${url}`, `-job=${push.job}`, `-method=${push.method ?? "put"}`];
  for (const [name, value] of Object.entries(push.grouping ?? {})) args.push(`-grouping=${name}=${value}`);
  if (push.metrics) args.push(`-metrics=${push.metrics.join(",")}`);
  if (push.format) args.push(`-format=${push.format}`);
  if (push.prefix) args.push(`-prefix=${push.prefix}`);
  try {
    await run(bin, args);
    return {};
  } catch (err) {
    return { error: String((err as { stderr?: unknown }).stderr ?? err) };
  }
}

/** What the Go client sends for a push: its Content-Type and body, caught by a local server. */
export async function goClientRequest(push: GoPush): Promise<{ contentType: string; body: Buffer }> {
  let caught: { contentType: string; body: Buffer } | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      caught = { contentType: req.headers["content-type"] ?? "", body: Buffer.concat(chunks) };
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  try {
    const { port } = server.address() as AddressInfo;
    const { error } = await goPush(`http://127.0.0.1:${port}`, push);
    expect(error).toBeUndefined();
  } finally {
    await new Promise((done) => server.close(done));
  }
  if (!caught) throw new Error("the Go client sent nothing");
  return caught;
}

/**
 * The pushed series of a scrape (samples with a job label, the gateways' own have none) as sorted
 * `name{labels} value` lines, label values and floats as written by the gateway; push times only
 * as "set" or 0, since the two gateways took the push at different instants.
 */
export async function pushedSeries(url: string): Promise<string[]> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  const families: MetricFamily[] = parseTextFormat(await res.text());
  return families
    .flatMap((f) => f.samples)
    .filter((s) => s.labels.job !== undefined)
    .map((s) => {
      const labels = Object.entries(sortLabels(s.labels)).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      const isTime = s.name === "push_time_seconds" || s.name === "push_failure_time_seconds";
      return `${s.name}{${labels.join(",")}} ${isTime && s.value > 0 ? "set" : formatValue(s.value)}`;
    })
    .sort();
}
