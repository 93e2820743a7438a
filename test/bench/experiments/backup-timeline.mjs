#!/usr/bin/env node
// Experiment: where the two cores go during a first format-2 backup and the second ones (1% changed
// before each), as bench:incremental runs them (the CLI into MinIO, its own cache directory): the
// CPU of the CLI, kube-apiserver, etcd and MinIO in each --bucket-ms, drawn as a bar of cores in
// use, and after each backup what the API server spent on it (its and etcd's CPU-s, its GC cycles
// and the MiB it allocated: lib/server-watch.mjs). --settle-ms waits that long after the changes
// before the backup, printing the servers' cores meanwhile (what the changes left them to do).
//
//   node test/bench/experiments/backup-timeline.mjs --objects 100000 --rounds 3
//   node test/bench/experiments/backup-timeline.mjs --rounds 6 "--alt-node-args=--max-semi-space-size=64"
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { benchArgs } from "../lib/bench-args.mjs";
import { changeObjects } from "../lib/change.mjs";
import { createCleanup } from "../lib/cleanup.mjs";
import { runBench } from "../lib/common.mjs";
import { s3RepoUrl, startSeededEnv } from "../lib/rounds-env.mjs";
import { NAMESPACE_PREFIX } from "../lib/seed.mjs";
import { cpuOf } from "../lib/server-cpu.mjs";
import { createServerWatch } from "../lib/server-watch.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const HELP = `usage: node test/bench/experiments/backup-timeline.mjs [--objects N] [--rounds R] [--bucket-ms MS] [--settle-ms MS] ["--alt-node-args=..."]
  --objects N        objects to seed (default 100000)
  --rounds R         second backups, 1% changed before each (default 3)
  --bucket-ms MS     one line of the timeline per MS (default 100)
  --settle-ms MS     wait MS after the changes before each second backup (default 0)
  --alt-node-args A  node flags of the even rounds' CLI (the odd ones run without), to compare them`;
const { args, int } = benchArgs(
  {
    objects: { type: "string", default: "100000" },
    rounds: { type: "string", default: "3" },
    "bucket-ms": { type: "string", default: "100" },
    "settle-ms": { type: "string", default: "0" },
    "alt-node-args": { type: "string", default: "" },
  },
  HELP,
);
const [N, ROUNDS, BUCKET_MS] = [int("objects"), int("rounds"), int("bucket-ms")];
const SETTLE_MS = Number(args["settle-ms"]);
const ALT_FLAGS = args["alt-node-args"].split(" ").filter(Boolean);
const log = (m) => process.stderr.write(`timeline: ${m}\n`);
const work = mkdtempSync(join(tmpdir(), "kubedump-backup-timeline-"));
const { cleanup, stopAtEnd } = createCleanup({ work, log });

/** One backup by the CLI, its processes' cores sampled every BUCKET_MS; prints the timeline and the API server's share. */
async function backup(env, watch, label, flags) {
  const url = s3RepoUrl(env, "kubedump-bench", "timeline");
  const cli = [join(ROOT, "packages/cli/bin/kubedump.js"), "backup", "--repo", url, "--kubeconfig", env.kubeconfig];
  cli.push("--include-namespaces", `${NAMESPACE_PREFIX}*`, "--repository-format", "2", "-o", "json");
  const rows = [];
  let groups = [];
  let t0 = 0;
  const r = await watch.withServer(async () => {
    t0 = performance.now(); // after the server's /metrics are read (withServer)
    const child = spawn(process.execPath, [...flags, ...cli], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, KUBEDUMP_CACHE_DIR: join(work, "cache") },
    });
    groups = [
      ["cli", [child.pid]],
      ...watch.servers.map((s) => [s.name === "kube-apiserver" ? "api" : s.name, [s.pid]]),
      ["minio", [env.minio.process.pid]],
    ];
    const sum = (pids) => cpuOf(pids.map((pid) => ({ pid }))); // CPU-s so far; a process gone adds 0
    const last = groups.map(([, pids]) => sum(pids));
    const timer = setInterval(() => {
      const now = groups.map(([, pids]) => sum(pids));
      rows.push([performance.now() - t0, ...now.map((v, i) => Math.max(0, v - last[i]))]);
      now.forEach((v, i) => {
        last[i] = v;
      });
    }, BUCKET_MS);
    const code = await new Promise((done) => child.on("exit", done));
    clearInterval(timer);
    if (code !== 0) throw new Error(`kubedump backup (${label}) exited ${code}`);
    return { seconds: (performance.now() - t0) / 1000 };
  });
  const bucketSeconds = BUCKET_MS / 1000;
  const out = [`${label}${flags.length ? ` (${flags.join(" ")})` : ""}: ${r.seconds.toFixed(2)} s`];
  out.push(`    s  ${groups.map(([n]) => n.padStart(5)).join("")}  cores`);
  const totals = groups.map(() => 0);
  for (const [t, ...cpu] of rows) {
    const cores = cpu.map((v) => v / bucketSeconds);
    cpu.forEach((v, i) => {
      totals[i] += v;
    });
    const all = cores.reduce((a, b) => a + b, 0);
    out.push(
      `${(t / 1000).toFixed(1).padStart(5)}  ${cores.map((c) => c.toFixed(1).padStart(5)).join("")}  ${all.toFixed(1)} ${"#".repeat(Math.round(all * 10))}`,
    );
  }
  out.push(`  CPU-s: ${groups.map(([n], i) => `${n} ${totals[i].toFixed(2)}`).join(", ")}${watch.serverNote(r)}`);
  process.stdout.write(`${out.join("\n")}\n`);
}

/** The API server's and etcd's cores in each 250 ms of `ms` (what the changes left them to do). */
async function settle(watch, ms) {
  const cores = [];
  for (let waited = 0; waited < ms; waited += 250) {
    const r = await watch.withServerCpu(async () => {
      await sleep(250);
      return {};
    });
    cores.push((r.serverCpu ?? 0) / 0.25);
  }
  if (cores.length)
    process.stdout.write(`settling ${ms} ms, API server + etcd cores: ${cores.map((c) => c.toFixed(1)).join(" ")}\n`);
}

async function main() {
  const { env, conn } = await startSeededEnv({ objects: N, log, stopAtEnd });
  const watch = createServerWatch({ kubeconfig: env.kubeconfig, server: conn.server });
  await backup(env, watch, "first", []);
  for (let round = 1; round <= ROUNDS; round++) {
    const changed = await watch.withServer(() =>
      changeObjects(conn, { objects: N, namespaces: 10, share: 0.01, round }),
    );
    process.stdout.write(`changes of round ${round}: ${changed.changed} objects${watch.serverNote(changed)}\n`);
    await settle(watch, SETTLE_MS);
    await backup(env, watch, `second ${round}`, round % 2 === 0 ? ALT_FLAGS : []);
  }
  watch.close();
}

runBench(main, cleanup);
