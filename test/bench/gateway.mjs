#!/usr/bin/env node
// Metrics gateway benchmark: kubedump's gateway (one replica, its Redis) and Prometheus's
// Pushgateway v1.11.3, one after the other in one run, under the same load:
//   1. pushes per second: 8 clients PUT the dump worker's backup metrics, one push after another,
//      each to its own few groups, for --seconds;
//   2. filling to --groups groups (the same pushes, one per group);
//   3. scrape time of /metrics with that many groups (median of --scrapes);
// and the peak RSS of each server process (and of kubedump's Redis). Figures: docs/benchmarks.md.
//
//   npm run bench:gateway                                # 8 clients, 10 s, 10,000 groups
//   npm run bench:gateway -- --groups 500 --seconds 3   # a quick check
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startPushgateway, startRedis, startServer } from "@kubedump/testenv";
import { benchArgs } from "./lib/bench-args.mjs";
import { createCleanup } from "./lib/cleanup.mjs";
import { fmt, runBench } from "./lib/common.mjs";
import { peakRss, pushLoad, scrapeTimes } from "./lib/gateway-load.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const HELP = `usage: npm run bench:gateway -- [options]
  --clients C        concurrent pushing clients (default 8)
  --seconds S        length of the push-rate phase (default 10)
  --push-groups G    groups each client cycles through in that phase (default 10)
  --groups N         groups held when scraping (default 10000)
  --scrapes K        scrapes timed at N groups (default 5)
  --only NAME        kubedump or pushgateway`;

const { args, int } = benchArgs(
  {
    clients: { type: "string", default: "8" },
    seconds: { type: "string", default: "10" },
    "push-groups": { type: "string", default: "10" },
    groups: { type: "string", default: "10000" },
    scrapes: { type: "string", default: "5" },
    only: { type: "string" },
  },
  HELP,
);
const [CLIENTS, SECONDS, PUSH_GROUPS, GROUPS, SCRAPES] = ["clients", "seconds", "push-groups", "groups", "scrapes"].map(
  int,
);
if (args.only !== undefined && !["kubedump", "pushgateway"].includes(args.only)) {
  console.error(`--only "${args.only}": kubedump or pushgateway\n${HELP}`);
  process.exit(2);
}

const log = (m) => process.stderr.write(`bench: ${m}\n`);
const work = mkdtempSync(join(tmpdir(), "kubedump-bench-gateway-"));
const { cleanup, stopAtEnd } = createCleanup({ work, log });
const running = new Set();
stopAtEnd({ stop: () => Promise.all([...running].map((s) => s.stop())) });

/** kubedump's gateway as `node services/metrics-gateway/dist/main.js` on its own Redis: its URL and pids. */
async function startKubedump() {
  const redis = await startRedis(work);
  running.add(redis.process);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const gateway = await startServer({
    name: "metrics-gateway",
    command: process.execPath,
    args: [join(ROOT, "services/metrics-gateway/dist/main.js")],
    env: { ...process.env, REDIS_URL: redis.url, HTTP_HOST: "127.0.0.1", HTTP_PORT: String(port), LOG_LEVEL: "warn" },
    logPath: join(work, "metrics-gateway.log"),
    ready: () =>
      fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      ),
  });
  running.add(gateway);
  return { url, pid: gateway.pid, redisPid: redis.process.pid, stop: () => stopAll([gateway, redis.process]) };
}

async function startReference() {
  const pgw = await startPushgateway({ dir: work });
  running.add(pgw);
  return { url: pgw.url, pid: pgw.process.pid, stop: () => stopAll([pgw]) };
}

async function stopAll(servers) {
  for (const s of servers) {
    await s.stop();
    running.delete(s);
  }
}

/** The three phases against one server: its column of the table. */
async function measure(name, server) {
  log(`${name}: ${CLIENTS} clients pushing for ${SECONDS} s`);
  const push = await pushLoad(server.url, {
    clients: CLIENTS,
    next: (c, i, ms) => (ms < SECONDS * 1000 ? c * PUSH_GROUPS + (i % PUSH_GROUPS) : undefined),
  });
  log(`${name}: ${Math.round(push.rate)} pushes/s; filling to ${GROUPS.toLocaleString("en-US")} groups`);
  const fill = await pushLoad(server.url, {
    clients: CLIENTS,
    next: (c, i) => (i * CLIENTS + c < GROUPS ? i * CLIENTS + c : undefined),
    progress: (done) =>
      log(`${name}: ${done.toLocaleString("en-US")} of ${GROUPS.toLocaleString("en-US")} groups pushed`),
  });
  log(`${name}: filled in ${fill.seconds.toFixed(1)} s; scraping ${SCRAPES} times`);
  const scrape = await scrapeTimes(server.url, SCRAPES);
  const rss = peakRss(server.pid);
  const redisRss = server.redisPid === undefined ? undefined : peakRss(server.redisPid);
  await server.stop();
  return { name, push, fill, scrape, rss, redisRss };
}

function report(cols) {
  const row = (label, f) => `${label.padEnd(44)}${cols.map((c) => f(c).padStart(14)).join("")}`;
  return [
    `${CLIENTS} clients, PUT of the dump worker's 10 backup gauges per push; ${GROUPS.toLocaleString("en-US")} groups when scraping`,
    row("", (c) => c.name),
    row(`pushes/s (${SECONDS} s, ${CLIENTS * PUSH_GROUPS} groups)`, (c) => fmt.n(c.push.rate)),
    row("push latency p50 / p99 ms", (c) => `${fmt.f(c.push.p50)} / ${fmt.f(c.push.p99)}`),
    row(`pushes/s filling to ${GROUPS.toLocaleString("en-US")} groups`, (c) => fmt.n(c.fill.rate)),
    row("fill time s", (c) => fmt.f(c.fill.seconds)),
    row(`scrape ms (median / max of ${SCRAPES})`, (c) => `${fmt.n(c.scrape.median)} / ${fmt.n(c.scrape.max)}`),
    row("scrape size KiB / samples", (c) => `${fmt.n(c.scrape.bytes / 1024)} / ${fmt.n(c.scrape.samples)}`),
    row("peak RSS of the server MiB", (c) => fmt.mib(c.rss)),
    row("peak RSS of its Redis MiB", (c) => (c.redisRss === undefined ? "-" : fmt.mib(c.redisRss))),
  ].join("\n");
}

async function main() {
  const cols = [];
  if (args.only !== "pushgateway") cols.push(await measure("kubedump", await startKubedump()));
  if (args.only !== "kubedump") cols.push(await measure("Pushgateway", await startReference()));
  process.stdout.write(`\n${report(cols)}\n`);
}

runBench(main, cleanup);
