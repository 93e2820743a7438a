#!/usr/bin/env node
// kubedump soak: the four services on the real test servers for --minutes, N configurations
// backing up every minute, a random dump worker SIGKILLed every few minutes and Redis restarted
// once; then it checks that every slot has one session, every succeeded session one committed
// snapshot, that nothing is left over in the bucket, and prints each process's RSS slope.
// Exit 0 when every invariant holds, 1 otherwise. See docs/reliability.md, "Soak".
//
//   npm run soak -- --minutes 30
//   npm run soak -- --minutes 4 --configs 5 --kill-every-seconds 60 --seed 7
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openRepositoryFromBackend } from "@kubedump/repository";
import { freePort, kubeHttp, s3RepositoryBackend, startRedis, startTestEnv } from "@kubedump/testenv";
import { checkLeftovers, checkMetrics, checkProcesses, checkSlots, checkSnapshots } from "./lib/checks.mjs";
import { BUCKET, crUrl, LEASE_NS, listSessions, NS, setupCluster, waitScheduled } from "./lib/cluster-setup.mjs";
import { killWorkers, redisRestartSlot, restartRedis } from "./lib/faults.mjs";
import { seededRandom, soakOptions } from "./lib/options.mjs";
import { commitsBySession, formatReport } from "./lib/report.mjs";
import { createMemorySampler, memoryRows } from "./lib/rss.mjs";
import { createServiceSet } from "./lib/services.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const MINUTE = 60_000;
const DRAIN_TIMEOUT_MS = 5 * MINUTE;
const RSS_WARMUP_MS = 2 * MINUTE;
const log = (m) => process.stderr.write(`soak ${new Date().toISOString().slice(11, 19)}: ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const options = soakOptions();
const rand = seededRandom(options.seed);
const work = mkdtempSync(join(tmpdir(), "kubedump-soak-"));
const state = { env: undefined, redis: undefined, services: undefined };

/** The test servers, a Redis of its own with AOF on (as the chart runs it), and the four services. */
async function startEverything() {
  state.env = await startTestEnv({ progress: (m) => log(`testenv: ${m}`) });
  state.redis = await startRedis(work, { appendOnly: true });
  const configs = await setupCluster(state.env, {
    root: ROOT,
    configs: options.configs,
    historyLimit: options.minutes + 30,
  });
  const gatewayPort = await freePort();
  const env = {
    KUBECONFIG: state.env.kubeconfig,
    REDIS_URL: state.redis.url,
    QUEUE_PREFIX: "soak",
    WATCH_NAMESPACE: NS,
    LEASE_NAMESPACE: LEASE_NS,
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: "0",
    LOG_LEVEL: "info",
    METRICS_GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
  };
  const services = createServiceSet({ root: ROOT, env, logDir: join(work, "logs"), log });
  state.services = services;
  services.start("metrics-gateway", "metrics-gateway", { HTTP_PORT: String(gatewayPort) });
  services.start("watcher");
  services.start("scheduler");
  const workerLabels = Array.from({ length: options.workers }, (_, i) => `dump-worker-${i}`);
  for (const label of workerLabels) services.start("dump-worker", label);
  log(`services started (logs in ${join(work, "logs")}); ${configs.length} configurations in namespace ${NS}`);
  return { configs, workerLabels, gatewayUrl: env.METRICS_GATEWAY_URL };
}

/** The first slot every configuration has a job for: the latest of their nextScheduleTime. */
async function firstCommonSlot(configs) {
  await waitScheduled(state.env, configs);
  const items = (await kubeHttp(state.env, crUrl("backupconfigurations"))).body.items;
  return Math.max(...items.map((c) => Date.parse(c.status.nextScheduleTime)));
}

/** Every 10 s: the sessions as they are, so one deleted before the end still counts as seen. */
function tallySessions(seen) {
  const poll = () =>
    listSessions(state.env).then(
      (items) => {
        for (const s of items) seen.set(s.metadata.name, s);
      },
      (err) => log(`listing sessions failed: ${err.message}`),
    );
  const timer = setInterval(poll, 10_000);
  return { stop: () => clearInterval(timer), poll };
}

/** Waits until no session is Pending or Running (or DRAIN_TIMEOUT_MS passed); resolves with the seconds it took. */
async function drain() {
  const t0 = Date.now();
  for (;;) {
    const open = (await listSessions(state.env)).filter(
      (s) => !["Succeeded", "PartiallySucceeded", "Failed", "Skipped"].includes(s.status?.phase),
    );
    if (!open.length) return (Date.now() - t0) / 1000;
    if (Date.now() - t0 > DRAIN_TIMEOUT_MS) {
      log(`still open after ${DRAIN_TIMEOUT_MS / 1000} s: ${open.map((s) => s.metadata.name).join(", ")}`);
      return (Date.now() - t0) / 1000;
    }
    await sleep(5000);
  }
}

/** The faulty minutes: kills and the Redis restart run beside each other until `endAt`. */
async function runFaults({ workerLabels, startAt, endAt }) {
  const running = async () =>
    (await listSessions(state.env)).filter((s) => s.status?.phase === "Running").map((s) => s.metadata.name);
  const killing = killWorkers({
    services: state.services,
    workerLabels,
    everyMs: options.killEverySeconds * 1000,
    endAt,
    rand,
    running,
    log,
  });
  const slot = redisRestartSlot(startAt, endAt, rand);
  const restarting =
    slot - 2000 > Date.now() && slot < endAt - MINUTE
      ? restartRedis({ redis: state.redis, dir: work, slot, downMs: options.redisDownSeconds * 1000, log }).then(
          (r) => {
            state.redis = r.redis;
            return r;
          },
        )
      : Promise.resolve(undefined);
  const [kills, redisRestart] = await Promise.all([killing, restarting, sleep(endAt - Date.now())]);
  return { kills, redisRestart };
}

/** Everything the checks look at, read after the drain and before the services stop. */
async function collect({ configs, gatewayUrl }) {
  const sessions = await listSessions(state.env);
  const repository = await openRepositoryFromBackend(s3RepositoryBackend(state.env, BUCKET, "soak"));
  const snapshots = await repository.listSnapshots();
  const metricsText = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const repositoryStatus = (await kubeHttp(state.env, crUrl("repositories", "repo"))).body.status;
  return { configs, sessions, repository, snapshots, metricsText, repositoryStatus };
}

async function main() {
  const started = await startEverything();
  const firstSlot = await firstCommonSlot(started.configs);
  // --minutes slots of every configuration are checked; the scheduler stops 30 s after the last.
  const lastSlot = firstSlot + (options.minutes - 1) * MINUTE;
  const startAt = Date.now();
  const endAt = lastSlot + 30_000;
  log(
    `slots ${new Date(firstSlot).toISOString()} to ${new Date(lastSlot).toISOString()}; faults until ${new Date(endAt).toISOString()}`,
  );
  const seen = new Map();
  const tally = tallySessions(seen);
  const sampler = createMemorySampler(state.services.incarnations);
  const { kills, redisRestart } = await runFaults({ ...started, startAt, endAt });
  await state.services.stop("scheduler");
  const schedulerStoppedAt = Date.now();
  log("scheduler stopped; waiting until every session is finished");
  const drainSeconds = await drain();
  await tally.poll();
  tally.stop();
  sampler.stop();
  const data = await collect(started);
  await state.services.stopAll();
  const run = { firstSlot, lastSlot, schedulerStoppedAt, drainSeconds };
  const checks = [
    checkSlots({ ...data, seen, firstSlot, lastSlot }),
    checkSnapshots(data),
    await checkLeftovers(data),
    checkMetrics(data),
    checkProcesses(state.services),
  ];
  const rss = memoryRows(state.services.incarnations, sampler.series(), RSS_WARMUP_MS);
  const commits = commitsBySession(state.services.incarnations);
  const report = formatReport({ options, run, kills, redisRestart, checks, rss, commits, ...data });
  process.stdout.write(report.text);
  if (options.json) {
    const series = Object.fromEntries(sampler.series());
    writeFileSync(
      options.json,
      `${JSON.stringify({ options, run, kills, redisRestart, checks, rss, series }, null, 2)}\n`,
    );
    log(`wrote ${options.json}`);
  }
  return report.ok;
}

async function cleanup(keepLogs) {
  await state.services?.stopAll(5000);
  await state.redis?.process.stop();
  await state.env?.stop();
  if (keepLogs) log(`logs kept in ${join(work, "logs")}`);
  else rmSync(work, { recursive: true, force: true });
}

for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => {
    log(`${signal}: stopping everything`);
    void cleanup(true).finally(() => process.exit(130));
  });

main().then(
  async (ok) => {
    await cleanup(options.keepLogs || !ok);
    process.exit(ok ? 0 : 1);
  },
  async (err) => {
    log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
    await cleanup(true);
    process.exit(1);
  },
);
