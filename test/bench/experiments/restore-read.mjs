#!/usr/bin/env node
// Experiment (not a benchmark of record): a restore's reads alone, format 1 against format 2, no
// cluster written to. Seeds N objects, backs them up into a format-1 and a format-2 repository on
// MinIO (--hours snapshots, 1% changed before each after the first, as bench:incremental), then
// runs restore-read-child.mjs (verify, the index, the plan, every step's objects read and parsed
// as `kubedump restore` reads them) on each format's last snapshot, rounds alternating which goes
// first, and prints each phase's median time side by side. --roots runs the same reads with the
// code of other checkouts too (built), to compare with a base commit on the same repositories;
// --cpu-prof DIR writes a CPU profile of every child.
//   node test/bench/experiments/restore-read.mjs --objects 20000 --hours 3 --rounds 3
//   node test/bench/experiments/restore-read.mjs --roots .,/work/wt/base --cpu-prof /tmp/prof
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { s3RepositoryBackend } from "@kubedump/testenv";
import { benchArgs } from "../lib/bench-args.mjs";
import { changeObjects } from "../lib/change.mjs";
import { createCleanup } from "../lib/cleanup.mjs";
import { median, runBench, runMeasurement } from "../lib/common.mjs";
import { kubedumpCli } from "../lib/restore-runs.mjs";
import { s3RepoUrl, startSeededEnv } from "../lib/rounds-env.mjs";
import { NAMESPACE_PREFIX } from "../lib/seed.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../../..");
const HELP = `usage: node test/bench/experiments/restore-read.mjs [options]
  --objects N     objects to seed (default 20000)
  --hours H       snapshots of each format, 1% changed before each after the first (default 3)
  --rounds R      reads of each format's last snapshot (default 3)
  --roots A,B     checkouts whose code reads (default this one; the first also writes)
  --cpu-prof DIR  a CPU profile of every reading child in DIR
  "--node-args=FLAGS"  V8's or Node's flags for every reading child, e.g. "--node-args=--max-semi-space-size=32"
  --write-rate W  each object read is "written" as a restore writes it, 48 at once, at W objects/s
                  (an API server's rate, default 1300; no cluster): the steps' time above
                  objects/W is the stall, the time the reads held the writes up
  --download DIR  also \`repository.download\` each last snapshot into DIR (e.g. /dev/shm): its first
                  file, its end, and for format 2 the work before its first file phase by phase
  --no-restore    downloads only`;
const { args, int } = benchArgs(
  {
    objects: { type: "string", default: "20000" },
    hours: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    roots: { type: "string", default: ROOT },
    "cpu-prof": { type: "string" },
    /** V8's or Node's flags for every child, e.g. "--max-semi-space-size=32" (the = form). */
    "node-args": { type: "string", default: "" },
    "write-rate": { type: "string", default: "1300" },
    download: { type: "string" },
    "no-restore": { type: "boolean" },
  },
  HELP,
);
const N = int("objects");
const HOURS = int("hours");
const ROUNDS = int("rounds");
const ROOTS = args.roots.split(",").map((r) => resolve(r));
const BUCKET = "kubedump-bench";
const log = (m) => process.stderr.write(`exp: ${m}\n`);
const work = mkdtempSync(join(tmpdir(), "kubedump-exp-restore-read-"));
const { cleanup, track, stopAtEnd } = createCleanup({ work, log });
const ctx = { root: ROOTS[0], work, track };

async function backup(url, format, kubeconfig) {
  const cli = ["backup", "--repo", url, "--kubeconfig", kubeconfig, "--include-namespaces", `${NAMESPACE_PREFIX}*`];
  const r = await kubedumpCli(`backup-f${format}`, [...cli, "--repository-format", String(format), "-o", "json"], ctx);
  if (r.code !== 0) throw new Error(`backup f${format} exited ${r.code}: ${r.stderr.slice(-1000)}`);
  return JSON.parse(r.stdout).id;
}

async function main() {
  const { env, conn } = await startSeededEnv({ objects: N, log, stopAtEnd });
  const repos = [1, 2].map((format) => {
    const prefix = `restore-read-f${format}-${Date.now()}`;
    const url = s3RepoUrl(env, BUCKET, prefix);
    return { format, url, ...s3RepositoryBackend(env, BUCKET, prefix), id: "" };
  });
  for (let hour = 1; hour <= HOURS; hour++) {
    if (hour > 1) await changeObjects(conn, { objects: N, namespaces: 10, share: 0.01, round: hour - 1 });
    for (const repo of repos) repo.id = await backup(repo.url, repo.format, env.kubeconfig);
    log(`hour ${hour} backed up`);
  }
  if (args["cpu-prof"]) mkdirSync(args["cpu-prof"], { recursive: true });
  const modes = [
    ...(args["no-restore"] ? [] : [{ name: "restore", child: "restore-read-child.mjs" }]),
    ...(args.download ? [{ name: "download", child: "download-child.mjs" }] : []),
  ];
  const runs = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of modes) {
      for (const root of ROOTS) {
        for (const repo of round % 2 === 0 ? repos : [...repos].reverse()) {
          const label = `${mode.name} ${root === ROOT ? "this" : root} f${repo.format}`;
          const profile = `${mode.name}-f${repo.format}-${ROOTS.indexOf(root)}-${round}.cpuprofile`;
          const nodeArgs = args["node-args"].split(" ").filter(Boolean);
          if (args["cpu-prof"])
            nodeArgs.push("--cpu-prof", "--cpu-prof-dir", args["cpu-prof"], "--cpu-prof-name", profile);
          const cfg = {
            root,
            backend: repo.backend,
            secret: repo.secret,
            id: repo.id,
            writeRate: int("write-rate"),
            to: args.download,
          };
          const r = await runMeasurement(join(HERE, mode.child), cfg, { nodeArgs, cwd: ROOT, track });
          log(
            `${label}: ${r.seconds.toFixed(2)} s ${JSON.stringify(r.phases)}${r.threads ? ` thread CPU-s ${r.threads.join(" ")}` : ""}${r.gcKinds ? ` GCs ${JSON.stringify(r.gcKinds)}` : ""}`,
          );
          runs.set(label, [...(runs.get(label) ?? []), r]);
        }
      }
    }
  }
  const table = (rows) => rows.map((r) => `| ${r.join(" | ")} |`).join("\n");
  const m = (rs, f) => median(rs.map(f)).toFixed(2);
  const rss = (rs) => (Math.max(...rs.map((r) => r.maxRss)) / 2 ** 20).toFixed(0);
  const names = ["open", "verify", "index", "plan", "steps"];
  const restoreRows = [["reads of", ...names, "stall", "first object", "total", "CPU s", "peak RSS MiB", "parts"]];
  const downloadRows = [
    [
      "download of",
      "first file",
      "total",
      "CPU s",
      "main-thread CPU s",
      "GC s",
      "peak RSS MiB",
      "f2: manifest",
      "index",
      "tree",
    ],
  ];
  for (const [label, rs] of runs) {
    if (label.startsWith("restore "))
      restoreRows.push([
        label.slice("restore ".length),
        ...names.map((n) => m(rs, (r) => r.phases[n])),
        m(rs, (r) => r.stall),
        m(rs, (r) => r.firstObject),
        m(rs, (r) => r.seconds),
        m(rs, (r) => r.cpu),
        rss(rs),
        String(rs[0].parts),
      ]);
    else
      downloadRows.push([
        label.slice("download ".length),
        m(rs, (r) => r.first),
        m(rs, (r) => r.seconds),
        m(rs, (r) => r.cpu),
        m(rs, (r) => r.mainCpu),
        m(rs, (r) => r.gc),
        rss(rs),
        ...["manifest", "index", "tree"].map((n) => (rs[0].phases[n] === undefined ? "" : m(rs, (r) => r.phases[n]))),
      ]);
  }
  process.stdout.write(`${N} objects, ${HOURS} snapshots, medians of ${ROUNDS} rounds (seconds)\n`);
  if (restoreRows.length > 1) process.stdout.write(`${table(restoreRows)}\n`);
  if (downloadRows.length > 1) process.stdout.write(`${table(downloadRows)}\n`);
}

runBench(main, cleanup);
