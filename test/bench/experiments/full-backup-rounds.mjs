#!/usr/bin/env node
// Experiment: the FULL backup of format 1 and format 2 against the raw paged LIST, in rounds on one
// seeded private test environment (as bench:incremental's first backups, each into a fresh
// repository with a fresh cache), so a change to the format-2 write path is compared side by side
// several times in one run. --node-args passes flags (--cpu-prof, --trace-gc) to every CLI run.
//
//   node test/bench/experiments/full-backup-rounds.mjs --objects 20000 --rounds 3
//   node test/bench/experiments/full-backup-rounds.mjs --objects 20000 --rounds 1 "--node-args=--cpu-prof --cpu-prof-dir=/tmp/prof"
//   node test/bench/experiments/full-backup-rounds.mjs --base-root . "--f2-args=--heap-growing-percent=200"
import { mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs } from "../lib/bench-args.mjs";
import { listPaths } from "../lib/bench-paths.mjs";
import { createCleanup } from "../lib/cleanup.mjs";
import { median, runBench, runMeasurement } from "../lib/common.mjs";
import { runTimed } from "../lib/restore-runs.mjs";
import { mainThreadCpuArgs, readThreadCpu, s3RepoUrl, startSeededEnv } from "../lib/rounds-env.mjs";
import { NAMESPACE_PREFIX } from "../lib/seed.mjs";
import { cpuOf, findLocalServers } from "../lib/server-cpu.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../../..");
const HELP = `usage: node test/bench/experiments/full-backup-rounds.mjs [--objects N] [--rounds R] ["--node-args=..."] ["--f2-args=..."] [--formats 1,2] [--base-root DIR] [--keep-output DIR]`;
const { args, int } = benchArgs(
  {
    objects: { type: "string", default: "20000" },
    rounds: { type: "string", default: "3" },
    "node-args": { type: "string", default: "" },
    /** Flags for this checkout's format-2 backups only (with --base-root ., the same code without them beside). */
    "f2-args": { type: "string", default: "" },
    formats: { type: "string", default: "1,2" },
    /** Another checkout (built) whose format-2 backup runs beside this one's, e.g. the code before a change. */
    "base-root": { type: "string" },
    /** A directory to keep each backup's stdout and stderr in (e.g. with "--node-args=--trace-gc"). */
    "keep-output": { type: "string" },
  },
  HELP,
);
const N = int("objects");
const ROUNDS = int("rounds");
// Each CLI reports its main thread's CPU and GC time at exit (lib/main-thread-cpu.cjs).
const NODE_ARGS = mainThreadCpuArgs(args["node-args"]);
const F2_ARGS = args["f2-args"].split(" ").filter(Boolean);
const VARIANTS = args.formats
  .split(",")
  .map((f) => ({ label: `f${f}`, format: Number(f), root: ROOT, extra: f === "2" ? F2_ARGS : [] }));
if (args["base-root"])
  VARIANTS.splice(1, 0, { label: "f2-base", format: 2, root: resolve(args["base-root"]), extra: [] });
const log = (m) => process.stderr.write(`bench: ${m}\n`);
const work = mkdtempSync(join(tmpdir(), "kubedump-full-rounds-"));
const { cleanup, track, stopAtEnd } = createCleanup({ work, log });
/** The local API server and etcd (server-cpu.mjs): their CPU during each measurement is noted. */
let servers = [];

/** `measure`'s result with the CPU the API server and etcd used meanwhile (`serverCpu`). */
async function withServerCpu(measure) {
  const before = cpuOf(servers);
  const r = await measure();
  r.serverCpu = servers.length ? +(cpuOf(servers) - before).toFixed(2) : undefined;
  return r;
}

async function backup(env, { format, root, label, extra }, run) {
  const prefix = `rounds-${label}-${run}-${Date.now()}`;
  const url = s3RepoUrl(env, "kubedump-bench", prefix);
  const cli = [join(root, "packages/cli/bin/kubedump.js"), "backup", "--repo", url, "--kubeconfig", env.kubeconfig];
  cli.push("--include-namespaces", `${NAMESPACE_PREFIX}*`, "--repository-format", String(format), "-o", "json");
  const nodeArgs = [...extra, ...NODE_ARGS];
  const r = await withServerCpu(() =>
    runTimed(`backup-${label}-${run}`, process.execPath, [...nodeArgs, ...cli], {
      work,
      env: { ...process.env, KUBEDUMP_CACHE_DIR: join(work, `cache-${label}-${run}`) },
      track,
    }),
  );
  if (args["keep-output"]) {
    writeFileSync(join(args["keep-output"], `${label}-${run}.out`), r.stdout);
    writeFileSync(join(args["keep-output"], `${label}-${run}.err`), r.stderr);
  }
  if (r.code !== 0) throw new Error(`backup format ${format} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return readThreadCpu(r);
}

async function main() {
  const { env, conn } = await startSeededEnv({ objects: N, log, stopAtEnd });
  servers = findLocalServers(conn.server);
  const rawCfg = { kubeconfig: env.kubeconfig, paths: await listPaths(env.kubeconfig), limit: 500 };
  const rawList = () => runMeasurement(join(HERE, "../lib/raw-list-child.mjs"), rawCfg, { cwd: ROOT, track });
  await rawList();
  const rows = { list: [], ...Object.fromEntries(VARIANTS.map((v) => [v.label, []])) };
  const load = [loadavg()[0]];
  for (let run = 0; run < ROUNDS; run++) {
    const list = await withServerCpu(rawList);
    rows.list.push({ seconds: list.seconds });
    for (const v of VARIANTS) {
      const r = await backup(env, v, run);
      rows[v.label].push(r);
      const rss = r.maxRss ? `, peak RSS ${(r.maxRss / 2 ** 20).toFixed(0)} MiB` : "";
      const ratio = (list.seconds / r.seconds).toFixed(2);
      const server = (x) => (x.serverCpu === undefined ? "" : ` (API server + etcd ${x.serverCpu} CPU-s)`);
      const cpu =
        r.mainCpu === undefined
          ? ""
          : `, main thread ${r.mainCpu} CPU-s (GC ${r.gc} s), all ${r.allCpu}${r.threads ? `; threads ${r.threads}; GCs ${r.gcKinds}` : ""}`;
      log(
        `round ${run + 1}: LIST ${list.seconds.toFixed(2)} s${server(list)}, ${v.label} ${r.seconds.toFixed(2)} s${server(r)} (${ratio}x)${rss}${cpu}`,
      );
    }
    load.push(loadavg()[0]);
  }
  const med = (xs) => median(xs.map((x) => x.seconds));
  const out = [`${N} objects, ${ROUNDS} rounds, load ${load.map((l) => l.toFixed(2)).join(" ")}`];
  out.push(`raw LIST median ${med(rows.list).toFixed(2)} s`);
  for (const { label } of VARIANTS) {
    const rs = rows[label];
    const ratios = rs.map((r, i) => (rows.list[i].seconds / r.seconds).toFixed(2)).join(" ");
    const rss = median(rs.map((r) => r.maxRss ?? 0)) / 2 ** 20;
    const main = rs.map((r) => r.mainCpu ?? "?").join(" ");
    const gc = rs.map((r) => r.gc ?? "?").join(" ");
    out.push(
      `${label}: median ${med(rs).toFixed(2)} s (${(med(rows.list) / med(rs)).toFixed(2)}x LIST; per round ${ratios}), peak RSS ${rss.toFixed(0)} MiB, cpu ${rs.map((r) => r.cpu?.toFixed?.(2) ?? "?").join(" ")}, main thread ${main}, GC ${gc}`,
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

runBench(main, cleanup);
