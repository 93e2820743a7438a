#!/usr/bin/env node
// kubedump recorder benchmark (issue 22): seeds N objects in a private test environment, starts
// the recorder (services/recorder, its own process) on a Continuous BackupConfiguration of the
// bench namespaces with a local format-2 Repository, waits for its first relist, then changes
// ConfigMaps at a steady rate. It prints the recorder's peak RSS (from /proc, sampled, and its
// high-water mark) and the recording lag of every change (the time the journal gives the change,
// the moment the recorder saw it, minus the moment the API server answered the update) beside the
// targets: RSS < 150 MiB at 100,000 objects, lag < 2 s at 1,000 changes/s. Last it restarts the
// recorder, which starts from the journal it wrote, and prints that start's peak RSS apart.
// See docs/continuous-capture.md and docs/benchmarks.md ("Continuous capture").
//
//   npm run bench:recorder                                  # 100,000 objects, 1,000 changes/s for 60 s
//   npm run bench:recorder -- --objects 20000 --rate 500 --seconds 30
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadConnection } from "@kubedump/kube";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { JournalReader } from "@kubedump/repository/journal";
import { benchArgs } from "./lib/bench-args.mjs";
import { createCleanup } from "./lib/cleanup.mjs";
import { MiB, runBench } from "./lib/common.mjs";
import { objectFor, seed } from "./lib/seed.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const USAGE = `usage: npm run bench:recorder -- [--objects N] [--namespaces K] [--rate R] [--seconds S] [--concurrency C]
  --objects      objects seeded and watched (default 100000)
  --namespaces   bench namespaces they are spread over (default 20)
  --rate         ConfigMap updates per second during the churn (default 1000)
  --seconds      how long the churn lasts (default 60)
  --concurrency  updates in flight (default 32)
  --node-options node flags of the recorder process, e.g. --node-options="--max-semi-space-size=2" (default none)
  --heap-growing-percent  the recorder's HEAP_GROWING_PERCENT (default: the recorder's, 20; 0: V8's own)
  --malloc-arena-max      the recorder's MALLOC_ARENA_MAX, e.g. 2 as the chart sets (default: glibc's)
  --no-restart   skip the last phase: the recorder restarted, its start from the journal measured
  --malloc-mmap-threshold the recorder's MALLOC_MMAP_THRESHOLD_ in bytes, e.g. 131072 as the chart sets (default: glibc's, which rises)`;
const { args, int } = benchArgs(
  {
    objects: { type: "string", default: "100000" },
    namespaces: { type: "string", default: "20" },
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "60" },
    concurrency: { type: "string", default: "32" },
    "node-options": { type: "string", default: "" },
    "heap-growing-percent": { type: "string", default: "" },
    "malloc-arena-max": { type: "string", default: "" },
    "malloc-mmap-threshold": { type: "string", default: "" },
    "no-restart": { type: "boolean", default: false },
  },
  USAGE,
);
const [N, K, RATE, SECONDS, CONCURRENCY] = ["objects", "namespaces", "rate", "seconds", "concurrency"].map(int);
const TARGET_RSS_MIB = 150;
const TARGET_LAG_S = 2;
const NS = "recorder-bench";

const log = (m) => process.stderr.write(`bench: ${m}\n`);
const work = mkdtempSync(join(tmpdir(), "kubedump-bench-recorder-"));
const { cleanup, track, stopAtEnd } = createCleanup({ work, log });

/** A JSON call to the API server over `agent` with the connection's credentials. */
function call(conn, auth, agent, method, path, body, contentType = "application/json") {
  const url = new URL(path, conn.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((done, fail) => {
    const req = request(
      url,
      {
        method,
        agent,
        ...auth,
        headers: { ...auth.headers, accept: "application/json", ...(payload ? { "content-type": contentType } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((res.statusCode ?? 0) >= 300 && res.statusCode !== 409)
            return fail(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`));
          done(text ? JSON.parse(text) : {});
        });
      },
    );
    req.on("error", fail);
    if (payload) req.write(payload);
    req.end();
  });
}

/** Resident set size now and its high-water mark, in bytes, from /proc/<pid>/status. */
function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/** Prometheus text → value of the first series of `name` (summed over its series). */
async function metric(port, name) {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  let sum = 0;
  for (const line of text.split("\n"))
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(" ").at(-1));
  return sum;
}

async function main() {
  const { startTestEnv, freePort } = await import("@kubedump/testenv");
  const env = await startTestEnv({ progress: (m) => log(`testenv: ${m}`) });
  stopAtEnd(env);
  const conn = loadConnection({ kubeconfig: env.kubeconfig });
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY + 4 });
  const auth = { headers: {} };
  await conn.apply(auth);

  log(`seeding ${N.toLocaleString("en-US")} objects over ${K} namespaces`);
  const seeded = await seed(conn, { objects: N, namespaces: K, concurrency: 48, progress: log });
  log(`seeded in ${seeded.seconds.toFixed(1)} s (${Math.round(seeded.rate)} objects/s)`);

  await promisify(execFile)(env.kubectl, ["apply", "--server-side", "-f", join(ROOT, "deploy/crds")], {
    env: { ...process.env, KUBECONFIG: env.kubeconfig },
  });
  await sleep(2000); // the CRDs become served
  const repoDir = join(work, "repository");
  mkdirSync(repoDir);
  const api = `/apis/kubedump.io/v1alpha1/namespaces/${NS}`;
  await call(conn, auth, agent, "POST", "/api/v1/namespaces", { metadata: { name: NS } });
  await call(conn, auth, agent, "POST", `${api}/repositories`, {
    apiVersion: "kubedump.io/v1alpha1",
    kind: "Repository",
    metadata: { name: "repo" },
    spec: { backend: { local: { path: repoDir } }, format: 2 },
  });
  const params = [{ name: "includeNamespaces", value: "bench-*" }];
  await call(conn, auth, agent, "POST", `${api}/backupconfigurations`, {
    apiVersion: "kubedump.io/v1alpha1",
    kind: "BackupConfiguration",
    metadata: { name: "continuous" },
    spec: { repository: { name: "repo" }, schedule: "0 0 1 1 *", mode: "Continuous", task: { params } },
  });

  const port = await freePort();
  const logFile = join(work, "recorder.log");
  const started = performance.now();
  const nodeFlags = args["node-options"].split(" ").filter(Boolean);
  const startRecorder = (logFile) => {
    const child = spawn(process.execPath, [...nodeFlags, join(ROOT, "services/recorder/dist/main.js")], {
      env: {
        PATH: process.env.PATH ?? "",
        KUBECONFIG: env.kubeconfig,
        LEADER_ELECTION: "false",
        WATCH_NAMESPACE: NS,
        HTTP_HOST: "127.0.0.1",
        HTTP_PORT: String(port),
        LOG_LEVEL: "info",
        ...(args["heap-growing-percent"] ? { HEAP_GROWING_PERCENT: args["heap-growing-percent"] } : {}),
        ...(args["malloc-arena-max"] ? { MALLOC_ARENA_MAX: args["malloc-arena-max"] } : {}),
        ...(args["malloc-mmap-threshold"] ? { MALLOC_MMAP_THRESHOLD_: args["malloc-mmap-threshold"] } : {}),
      },
      stdio: ["ignore", openSync(logFile, "a"), openSync(logFile, "a")],
    });
    track(child);
    return child;
  };
  /** Resolves once `child` logs that it records (its first list done); rejects if it exits first. */
  const recording = async (child, logFile) => {
    while (!readFileSync(logFile, "utf8").includes('"msg":"recording"')) {
      if (child.exitCode !== null) throw new Error(`the recorder exited ${child.exitCode}; see ${logFile}`);
      await sleep(200);
    }
  };
  let child = startRecorder(logFile);
  let peak = { rss: 0, hwm: 0 };
  /** The restarted recorder's peak, while it starts (from the journal) and lists. */
  let restartPeak;
  const churnRss = { sum: 0, count: 0, on: false };
  const sampler = setInterval(() => {
    try {
      const now = rssOf(child.pid);
      if (restartPeak)
        restartPeak = { rss: Math.max(restartPeak.rss, now.rss), hwm: Math.max(restartPeak.hwm, now.hwm) };
      else peak = { rss: Math.max(peak.rss, now.rss), hwm: Math.max(peak.hwm, now.hwm) };
      if (churnRss.on) [churnRss.sum, churnRss.count] = [churnRss.sum + now.rss, churnRss.count + 1];
    } catch {
      // exited
    }
  }, 100);
  let lagPeak = 0;
  const lagSampler = setInterval(() => {
    metric(port, "kubedump_recorder_lag_seconds").then(
      (v) => (lagPeak = Math.max(lagPeak, v)),
      () => {},
    );
  }, 500);
  try {
    await recording(child, logFile);
    const firstList = (performance.now() - started) / 1000;
    const rssAfterList = peak;
    log(
      `recording after ${firstList.toFixed(1)} s (first list of ${N.toLocaleString("en-US")} objects), peak RSS ${(peak.rss / MiB).toFixed(0)} MiB`,
    );

    // The churn: ConfigMap updates at RATE per second, CONCURRENCY in flight.
    // Their paths, made before the churn: building an object per update cost the generator CPU the 2 cores lack.
    const configMaps = [];
    for (let i = 0; i < N; i++)
      if (i % 20 < 8) {
        const { path, body } = objectFor(i, K);
        configMaps.push(`${path}/${body.metadata.name}`);
      }
    const sent = new Map(); // resourceVersion → time the API server answered
    const total = RATE * SECONDS;
    const t0 = performance.now();
    const epoch0 = Date.now();
    churnRss.on = true;
    let next = 0;
    let lastSent = 0; // when the last update was sent (its answer comes later)
    let behind = 0; // the most an update was sent after its due time
    const worker = async () => {
      for (let k = next++; k < total; k = next++) {
        const due = t0 + (k * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        lastSent = performance.now();
        behind = Math.max(behind, lastSent - due);
        const path = configMaps[k % configMaps.length];
        const patch = { data: { tick: String(k) } };
        const res = await call(conn, auth, agent, "PATCH", path, patch, "application/merge-patch+json");
        sent.set(res.metadata.resourceVersion, epoch0 + (performance.now() - t0));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const churnSeconds = (performance.now() - t0) / 1000;
    churnRss.on = false;
    log(
      `churn: ${total.toLocaleString("en-US")} updates in ${churnSeconds.toFixed(1)} s (${Math.round(total / churnSeconds)}/s)`,
    );
    const deadline = Date.now() + 120_000;
    while ((await metric(port, "kubedump_recorder_changes_total")) < total && Date.now() < deadline) await sleep(500);
    await sleep(6000); // the last segment is flushed (FLUSH_EVERY_MS 5 s)

    const reader = new JournalReader({
      store: createLocalObjectStore({ root: repoDir }),
      keys: null,
      scope: { scope: { type: "cluster" }, params: { includeNamespaces: "bench-*" } },
    });
    const { changes } = await reader.slice({ from: epoch0 });
    const lags = [];
    for (const c of changes) {
      const answered = sent.get(c.resourceVersion);
      if (answered !== undefined) lags.push(Math.max(0, c.time - answered) / 1000);
    }
    lags.sort((a, b) => a - b);
    const q = (p) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? Number.NaN;
    const missing = total - lags.length;
    const rssMiB = Math.max(peak.rss, peak.hwm) / MiB;
    const rows = [
      ["objects watched", N.toLocaleString("en-US"), ""],
      ["first list (s)", firstList.toFixed(1), ""],
      [
        "peak RSS after the first list (MiB)",
        (Math.max(rssAfterList.rss, rssAfterList.hwm) / MiB).toFixed(0),
        `< ${TARGET_RSS_MIB}`,
      ],
      ["peak RSS over the run (MiB)", rssMiB.toFixed(0), `< ${TARGET_RSS_MIB}`],
      ["mean RSS during the churn (MiB)", (churnRss.sum / Math.max(1, churnRss.count) / MiB).toFixed(1), ""],
      // The rate the updates were sent at (their schedule, kept unless the API server held them
      // back), and the rate including the wait for the last answers.
      [
        "updates sent (per s sent; per s to the last answer)",
        `${total.toLocaleString("en-US")} (${Math.round(total / ((lastSent - t0) / 1000))}; ${Math.round(total / churnSeconds)})`,
        `${RATE}`,
      ],
      ["the most an update was sent behind its schedule (s)", (behind / 1000).toFixed(3), ""],
      ["changes recorded of them", lags.length.toLocaleString("en-US"), `${total.toLocaleString("en-US")}`],
      [
        "lag p50 / p99 / max (s)",
        `${q(0.5).toFixed(3)} / ${q(0.99).toFixed(3)} / ${(lags.at(-1) ?? Number.NaN).toFixed(3)}`,
        `< ${TARGET_LAG_S}`,
      ],
      ["kubedump_recorder_lag_seconds peak (s, includes the 5 s flush interval)", lagPeak.toFixed(1), ""],
      ["relists", String(await metric(port, "kubedump_recorder_relists_total")), ""],
    ];
    if (!args["no-restart"]) {
      // A restart: the recorder reads the journal's state (stateAt) into its tables, then lists again.
      child.kill("SIGTERM");
      await new Promise((done) => (child.exitCode === null ? child.once("exit", done) : done()));
      restartPeak = { rss: 0, hwm: 0 };
      const restartLog = join(work, "recorder-restart.log");
      const restarted = performance.now();
      child = startRecorder(restartLog);
      await recording(child, restartLog);
      rows.push(
        ["restart: recording again after (s)", ((performance.now() - restarted) / 1000).toFixed(1), ""],
        [
          "restart: peak RSS (the journal's state read, then a relist) (MiB)",
          (Math.max(restartPeak.rss, restartPeak.hwm) / MiB).toFixed(0),
          `< ${TARGET_RSS_MIB}`,
        ],
      );
    }
    const width = Math.max(...rows.map((r) => r[0].length));
    process.stdout.write(
      `\nrecorder benchmark (${N.toLocaleString("en-US")} objects, ${RATE} changes/s for ${SECONDS} s; recorder node flags: ${nodeFlags.join(" ") || "none"}; HEAP_GROWING_PERCENT ${args["heap-growing-percent"] || "default"}; MALLOC_ARENA_MAX ${args["malloc-arena-max"] || "glibc's"}; MALLOC_MMAP_THRESHOLD_ ${args["malloc-mmap-threshold"] || "glibc's"})\n`,
    );
    for (const [what, value, target] of rows)
      process.stdout.write(`  ${what.padEnd(width)}  ${value.padStart(22)}  ${target ? `target ${target}` : ""}\n`);
    const verdict = (ok) => (ok ? "PASS" : "MISS");
    process.stdout.write(`\n  RSS < ${TARGET_RSS_MIB} MiB: ${verdict(rssMiB < TARGET_RSS_MIB)}\n`);
    if (restartPeak) {
      const restartOk = Math.max(restartPeak.rss, restartPeak.hwm) / MiB < TARGET_RSS_MIB;
      process.stdout.write(`  RSS < ${TARGET_RSS_MIB} MiB through a restart: ${verdict(restartOk)}\n`);
    }
    const lagOk = missing === 0 && (lags.at(-1) ?? Number.POSITIVE_INFINITY) < TARGET_LAG_S;
    process.stdout.write(`  lag < ${TARGET_LAG_S} s, every change recorded: ${verdict(lagOk)}\n`);
    const reached = total / churnSeconds;
    if (reached < RATE * 0.95)
      process.stdout.write(
        `  note: the generator reached ${Math.round(reached)} changes/s, not ${RATE}: the API server on this machine took no more\n`,
      );
    if (missing) process.stdout.write(`  ${missing} updates have no change in the journal\n`);
  } finally {
    clearInterval(sampler);
    clearInterval(lagSampler);
    child.kill("SIGTERM");
    await new Promise((done) => (child.exitCode === null ? child.once("exit", done) : done()));
    agent.destroy();
  }
}

runBench(main, cleanup);
