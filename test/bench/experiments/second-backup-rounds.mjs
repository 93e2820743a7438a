#!/usr/bin/env node
// Experiment: the second format-2 backup (1% changed) against the first, as bench:incremental
// runs them (the CLI into MinIO, its own cache directory), for this checkout and another built
// one (--base-root, e.g. the code before a change) side by side on one seeded private test
// environment: each makes its first backup into its own repository, then every round changes 1%
// of the objects and each makes a second backup (the order alternates by round). Prints each
// second backup's time, its ratio to its own first, its main thread's CPU, and the CPU the local
// API server and etcd spent meanwhile.
//
//   node test/bench/experiments/second-backup-rounds.mjs --objects 100000 --rounds 3 --base-root /tmp/base
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs } from "../lib/bench-args.mjs";
import { changeObjects } from "../lib/change.mjs";
import { createCleanup } from "../lib/cleanup.mjs";
import { median, runBench } from "../lib/common.mjs";
import { runTimed } from "../lib/restore-runs.mjs";
import { mainThreadCpuArgs, readThreadCpu, s3RepoUrl, startSeededEnv } from "../lib/rounds-env.mjs";
import { cpuOf, findLocalServers } from "../lib/server-cpu.mjs";
import { NAMESPACE_PREFIX } from "../lib/seed.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../../..");
const HELP = `usage: node test/bench/experiments/second-backup-rounds.mjs [--objects N] [--rounds R] [--base-root DIR] ["--node-args=..."] (flags that begin with a dash need the = form)`;
const { args, int } = benchArgs(
  {
    objects: { type: "string", default: "20000" },
    rounds: { type: "string", default: "3" },
    "node-args": { type: "string", default: "" },
    /** Another checkout (built) whose backups run beside this one's. */
    "base-root": { type: "string" },
  },
  HELP,
);
const N = int("objects");
const ROUNDS = int("rounds");
const NODE_ARGS = mainThreadCpuArgs(args["node-args"]);
const VARIANTS = [{ label: "this", root: ROOT }];
if (args["base-root"]) VARIANTS.unshift({ label: "base", root: resolve(args["base-root"]) });
const log = (m) => process.stderr.write(`bench: ${m}\n`);
const work = mkdtempSync(join(tmpdir(), "kubedump-second-rounds-"));
const { cleanup, track, stopAtEnd } = createCleanup({ work, log });

let servers = [];

async function backup(env, variant, run) {
  const { root, label } = variant;
  variant.prefix ??= `second-${label}-${Date.now()}`;
  const url = s3RepoUrl(env, "kubedump-bench", variant.prefix);
  const cli = [join(root, "packages/cli/bin/kubedump.js"), "backup", "--repo", url, "--kubeconfig", env.kubeconfig];
  cli.push("--include-namespaces", `${NAMESPACE_PREFIX}*`, "--repository-format", "2", "-o", "json");
  const serverCpu = cpuOf(servers);
  const r = await runTimed(`backup-${label}-${run}`, process.execPath, [...NODE_ARGS, ...cli], {
    work,
    env: { ...process.env, KUBEDUMP_CACHE_DIR: join(work, `cache-${label}`) },
    track,
  });
  r.serverCpu = servers.length ? +(cpuOf(servers) - serverCpu).toFixed(2) : undefined;
  if (r.code !== 0) throw new Error(`backup (${label}) exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return readThreadCpu(r);
}

const cpuNote = (r) =>
  (r.mainCpu === undefined ? "" : `, main thread ${r.mainCpu} CPU-s (GC ${r.gc} s)`) +
  (r.serverCpu === undefined ? "" : `, API server + etcd ${r.serverCpu} CPU-s`);

async function main() {
  const { env, conn } = await startSeededEnv({ objects: N, log, stopAtEnd });
  servers = findLocalServers(conn.server);
  const load = [loadavg()[0]];
  for (const v of VARIANTS) {
    v.first = await backup(env, v, 0);
    v.seconds = [];
    log(`${v.label}: first backup ${v.first.seconds.toFixed(2)} s${cpuNote(v.first)}`);
  }
  for (let round = 1; round <= ROUNDS; round++) {
    await changeObjects(conn, { objects: N, namespaces: 10, share: 0.01, round });
    const order = round % 2 === 0 ? [...VARIANTS].reverse() : VARIANTS;
    for (const v of order) {
      const r = await backup(env, v, round);
      v.seconds.push(r);
      log(
        `round ${round}: ${v.label} second backup ${r.seconds.toFixed(2)} s, ${(r.seconds / v.first.seconds).toFixed(2)}x its first${cpuNote(r)}`,
      );
    }
    load.push(loadavg()[0]);
  }
  const out = [`${N} objects, ${ROUNDS} rounds, load ${load.map((l) => l.toFixed(2)).join(" ")}`];
  for (const v of VARIANTS) {
    const s = v.seconds.map((r) => r.seconds);
    out.push(
      `${v.label} (${v.root}): first ${v.first.seconds.toFixed(2)} s; second ${s.map((x) => x.toFixed(2)).join(" ")} s, ` +
        `median ${median(s).toFixed(2)} s = ${(median(s) / v.first.seconds).toFixed(2)}x its first; ` +
        `main thread CPU-s ${v.seconds.map((r) => r.mainCpu ?? "?").join(" ")}; ` +
        `API server + etcd CPU-s ${v.seconds.map((r) => r.serverCpu ?? "?").join(" ")}`,
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

runBench(main, cleanup);
