#!/usr/bin/env node
// Metrics gateway benchmark: kubedump's gateway (one replica, its Redis) and Prometheus's
// Pushgateway v1.11.3, one after the other in one run, under the same load:
//   1. pushes per second: 8 clients PUT the dump worker's backup metrics, one push after another,
//      each to its own few groups, for --seconds;
//   2. filling to --groups groups (the same pushes, one per group; the Pushgateway with its
//      consistency check off unless --checked-fill, then restarted with it on from its file);
//   3. pushes per second again, with that many groups held;
//   4. scrape time of /metrics with that many groups (median of --scrapes);
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
  --only NAME        kubedump or pushgateway
  --checked-fill     fill the Pushgateway with its consistency check on (about half an hour at
                     10,000 groups; by default it fills with the check off, then restarts with it on)`;

const { args, int } = benchArgs(
  {
    clients: { type: "string", default: "8" },
    seconds: { type: "string", default: "10" },
    "push-groups": { type: "string", default: "10" },
    groups: { type: "string", default: "10000" },
    scrapes: { type: "string", default: "5" },
    only: { type: "string" },
    "checked-fill": { type: "boolean", default: false },
  },
  HELP,
);
const [CLIENTS, SECONDS, PUSH_GROUPS, GROUPS, SCRAPES] = ["clients", "seconds", "push-groups", "groups", "scrapes"].map(
  int,
);
const CHECKED_FILL = args["checked-fill"];
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

/** Pushgateway v1.11.3 with extra flags: its URL and pid. */
async function startReference(flags = []) {
  const pgw = await startPushgateway({ dir: work, args: flags });
  running.add(pgw.process);
  return { url: pgw.url, pid: pgw.process.pid, stop: () => stopAll([pgw.process]) };
}

async function stopAll(servers) {
  for (const s of servers) {
    await s.stop();
    running.delete(s);
  }
}

/** 8 clients, each cycling through its own PUSH_GROUPS groups, for SECONDS. */
function pushPhase(name, server, what) {
  log(`${name}: ${CLIENTS} clients pushing for ${SECONDS} s (${what})`);
  return pushLoad(server.url, {
    clients: CLIENTS,
    next: (c, i, ms) => (ms < SECONDS * 1000 ? c * PUSH_GROUPS + (i % PUSH_GROUPS) : undefined),
  });
}

/** The same clients push groups 0 … GROUPS-1 once each. */
function fillPhase(name, server) {
  log(`${name}: filling to ${GROUPS.toLocaleString("en-US")} groups`);
  return pushLoad(server.url, {
    clients: CLIENTS,
    next: (c, i) => (i * CLIENTS + c < GROUPS ? i * CLIENTS + c : undefined),
    progress: (done) =>
      log(`${name}: ${done.toLocaleString("en-US")} of ${GROUPS.toLocaleString("en-US")} groups pushed`),
  });
}

/** The push rate with GROUPS groups held, the scrapes, and the peak RSS: the end of a column. */
async function heldPhases(name, server) {
  const held = await pushPhase(name, server, `${GROUPS.toLocaleString("en-US")} groups held`);
  log(`${name}: scraping ${SCRAPES} times`);
  const scrape = await scrapeTimes(server.url, SCRAPES);
  return { held, scrape };
}

async function measureKubedump() {
  const name = "kubedump";
  const server = await startKubedump();
  const push = await pushPhase(name, server, `${CLIENTS * PUSH_GROUPS} groups`);
  const fill = await fillPhase(name, server);
  const { held, scrape } = await heldPhases(name, server);
  const rss = peakRss(server.pid);
  const redisRss = peakRss(server.redisPid);
  await server.stop();
  return { name, push, fill, held, scrape, rss, redisRss };
}

/**
 * The Pushgateway's column. Its consistency check gathers every metric it holds on every push, so
 * a fill to 10,000 groups with it on takes about half an hour. So the fill runs with the check off
 * into a persistence file, and the held-groups pushes and scrapes run on a Pushgateway restarted
 * from that file with the check on, as by default. `--checked-fill` fills with the check on.
 */
async function measurePushgateway() {
  const name = "Pushgateway";
  const file = join(work, "pushgateway.persist");
  const persist = [`--persistence.file=${file}`];
  let server = await startReference();
  const push = await pushPhase(name, server, `${CLIENTS * PUSH_GROUPS} groups`);
  const rss = [peakRss(server.pid)];
  await server.stop();
  server = await startReference(CHECKED_FILL ? persist : [...persist, "--push.disable-consistency-check"]);
  const fill = await fillPhase(name, server);
  rss.push(peakRss(server.pid));
  await server.stop(); // writes the persistence file
  server = await startReference(persist);
  const { held, scrape } = await heldPhases(name, server);
  rss.push(peakRss(server.pid));
  await server.stop();
  return { name, push, fill, held, scrape, rss: Math.max(...rss), fillNote: CHECKED_FILL ? "" : " *" };
}

function report(cols) {
  const row = (label, f) => `${label.padEnd(46)}${cols.map((c) => f(c).padStart(18)).join("")}`;
  const groups = GROUPS.toLocaleString("en-US");
  const unchecked = cols.some((c) => c.fillNote);
  return [
    `${CLIENTS} clients, PUT of the dump worker's 10 backup gauges per push; ${groups} groups when scraping`,
    row("", (c) => c.name),
    row(`pushes/s (${SECONDS} s, ${CLIENTS * PUSH_GROUPS} groups held)`, (c) => fmt.n(c.push.rate)),
    row("push latency p50 / p99 ms", (c) => `${fmt.f(c.push.p50)} / ${fmt.f(c.push.p99)}`),
    row(`pushes/s filling to ${groups} groups`, (c) => `${fmt.n(c.fill.rate)}${c.fillNote ?? ""}`),
    row("fill time s", (c) => `${fmt.f(c.fill.seconds)}${c.fillNote ?? ""}`),
    row(`pushes/s (${SECONDS} s, ${groups} groups held)`, (c) => fmt.n(c.held.rate)),
    row("push latency p50 / p99 ms", (c) => `${fmt.f(c.held.p50)} / ${fmt.f(c.held.p99)}`),
    row(`scrape ms (median / max of ${SCRAPES})`, (c) => `${fmt.n(c.scrape.median)} / ${fmt.n(c.scrape.max)}`),
    row("scrape size KiB / samples", (c) => `${fmt.n(c.scrape.bytes / 1024)} / ${fmt.n(c.scrape.samples)}`),
    row("groups served (push_time_seconds series)", (c) => fmt.n(c.scrape.groups)),
    row("peak RSS of the server MiB", (c) => fmt.mib(c.rss)),
    row("peak RSS of its Redis MiB", (c) => (c.redisRss === undefined ? "-" : fmt.mib(c.redisRss))),
    ...(unchecked
      ? ["* the Pushgateway filled with --push.disable-consistency-check, then restarted from its persistence file"]
      : []),
  ].join("\n");
}

async function main() {
  const cols = [];
  if (args.only !== "pushgateway") cols.push(await measureKubedump());
  if (args.only !== "kubedump") cols.push(await measurePushgateway());
  for (const c of cols)
    if (c.scrape.groups !== GROUPS) throw new Error(`${c.name} served ${c.scrape.groups} groups, not ${GROUPS}`);
  process.stdout.write(`\n${report(cols)}\n`);
}

runBench(main, cleanup);
