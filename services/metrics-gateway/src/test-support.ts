// Helpers shared by this package's tests; excluded from the build (tsconfig.build.json).
import { type MetricFamily, parseTextFormat, type Sample, seriesKey } from "@kubedump/metrics";
import { createLogger, type Logger } from "@kubedump/service";
import { afterAll, expect, inject } from "vitest";
import { createApp, loadConfig, type MetricsGateway } from "./index.js";

// Gateways on the test Redis, each with its own key prefix, closed after the file.
const env = inject("testenv");
export const RUN = `gw-${process.pid}-${Date.now().toString(36)}`;
const QUEUE_PREFIX = `q-${RUN}`;
const silent = createLogger("metrics-gateway", "silent");
const open: MetricsGateway[] = [];
let prefixes = 0;

afterAll(async () => {
  await Promise.all(open.map((gw) => gw.close()));
});

/** A fresh key prefix, so each test sees only its own groups. */
export const newPrefix = (): string => `kubedump-test:${RUN}:${++prefixes}`;

/** A gateway on 127.0.0.1 and a free port (HTTP_PORT 0), with the variables given. */
export async function startGateway(
  vars: Record<string, string> = {},
  log: Logger = silent,
): Promise<{ gw: MetricsGateway; url: string }> {
  const config = loadConfig({
    REDIS_URL: env.redisUrl,
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: "0",
    QUEUE_PREFIX,
    GATEWAY_KEY_PREFIX: newPrefix(),
    ...vars,
  });
  const gw = createApp({ config, log });
  open.push(gw);
  const { url } = await gw.start();
  return { gw, url };
}

export async function scrape(url: string): Promise<MetricFamily[]> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  return parseTextFormat(await res.text()); // the whole exposition must be valid text format
}

/** The samples named `name` in a scrape. */
export function samplesOf(families: MetricFamily[], name: string): Sample[] {
  return families.flatMap((f) => f.samples).filter((s) => s.name === name);
}

/** The value of the series `name{labels}` (labels in any order) in a scrape. */
export const seriesValue = (
  families: MetricFamily[],
  name: string,
  labels: Record<string, string>,
): number | undefined =>
  samplesOf(families, name).find((s) => seriesKey(s.name, s.labels) === seriesKey(name, labels))?.value;

export async function send(
  url: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${url}${path}`, {
    method,
    body,
    headers: { "content-type": "text/plain; version=0.0.4", ...headers },
  });
  return { status: res.status, text: await res.text() };
}

/** Random numbers from a seed (mulberry32), so that a failing random case can be run again. */
export function seededRandom(seed: number): { next(): number; pick<T>(items: readonly T[]): T } {
  let state = seed;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number] };
}
