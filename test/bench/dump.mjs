#!/usr/bin/env node
// kubedump dump benchmark: seeds N objects, then measures on the same data, in one run, each in a
// fresh child process: the raw paged LIST (the ceiling), a kubedump backup to a local repository,
// and a kubectl-based dump. See docs/benchmarks.md.
//
//   npm run bench:dump                      # 20,000 objects in a private test environment
//   npm run bench:dump -- --objects 100000
//   KUBECONFIG=~/.kube/config npm run bench:dump   # an existing cluster: measure bench-* only, no seeding
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compileFilters } from "@kubedump/dump";
import { collectionPath, createKubeClient, discoverResources, loadConnection } from "@kubedump/kube";
import { createCleanup } from "./lib/cleanup.mjs";
import { fmt, runBench, runMeasurement } from "./lib/common.mjs";
import { parseDumpOptions } from "./lib/dump-options.mjs";
import { formatReport } from "./lib/dump-report.mjs";
import { measureAll } from "./lib/measurements.mjs";
import { DUMP_FUNCTIONS, formatProfile, newProfiles, summariseProfile } from "./lib/profile.mjs";
import { NAMESPACE_PREFIX, seed } from "./lib/seed.mjs";
import { createServerWatch } from "./lib/server-watch.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");

const options = parseDumpOptions(process.argv.slice(2));
const { args, N, K, RUNS, PAGE_SIZE, SEED_CONCURRENCY, QPS, BURST } = options;

const log = (m) => process.stderr.write(`bench: ${m}\n`);
const work = mkdtempSync(join(tmpdir(), "kubedump-bench-"));
const { cleanup, track, stopAtEnd, removeAtEnd } = createCleanup({ work, log });

/** Runs a measurement child in a fresh node process; resolves with its result object. */
const runChild = (script, cfg, nodeArgs = []) =>
  runMeasurement(script.includes("/") ? script : join(HERE, "lib", script), cfg, { nodeArgs, cwd: ROOT, track });

/** KUBECONFIG's cluster, or a private test environment started here (and stopped by the cleanup). */
async function openCluster() {
  const external = Boolean(process.env.KUBECONFIG);
  if (external) {
    const kubeconfig = process.env.KUBECONFIG;
    log(`using the cluster of KUBECONFIG=${kubeconfig}${args.seed ? "" : " (no seeding; pass --seed to seed it)"}`);
    return { external, kubeconfig, kubectl: process.env.KUBECTL ?? "kubectl" };
  }
  const { startTestEnv } = await import("@kubedump/testenv");
  const env = await startTestEnv({ progress: (m) => log(`testenv: ${m}`) });
  stopAtEnd(env);
  return { external, env, kubeconfig: env.kubeconfig, kubectl: env.kubectl };
}

/** Seeds the bench namespaces, with the seeder's and the server's CPU. */
async function seedBench(conn, watch) {
  log(`seeding ${N.toLocaleString("en-US")} objects over ${K} namespaces (${SEED_CONCURRENCY} in flight)`);
  const cpu0 = process.cpuUsage();
  const seeding = await watch.withServerCpu(() =>
    seed(conn, { objects: N, namespaces: K, concurrency: SEED_CONCURRENCY, progress: log }),
  );
  const cpu = process.cpuUsage(cpu0);
  seeding.cpu = (cpu.user + cpu.system) / 1e6;
  log(
    `seeded in ${seeding.seconds.toFixed(1)} s: ${Math.round(seeding.rate)} objects/s (${seeding.created} created, ${seeding.existed} existed; ` +
      `CPU: seeder ${seeding.cpu.toFixed(1)} s, server ${fmt.f(seeding.serverCpu, 1)} s)`,
  );
  return seeding;
}

/** What the dump covers: the same resource types for all three, and the bench namespaces. */
async function dumpScope(kubeconfig, includeNamespaces) {
  const client = createKubeClient({ kubeconfig, qps: 0 });
  const discovery = await discoverResources(client);
  const filters = compileFilters({ scope: { type: "cluster" }, includeNamespaces }, discovery.resources);
  const types = filters.resources;
  const nsList = await client.get("/api/v1/namespaces");
  const benchNamespaces = nsList.items
    .map((n) => n.metadata.name)
    .filter((n) => n.startsWith(NAMESPACE_PREFIX))
    .sort();
  client.close();
  log(
    `${types.length} resource types (${types.map((t) => t.key).join(", ")}); ${benchNamespaces.length} bench namespaces`,
  );
  if (!benchNamespaces.length) throw new Error(`no namespaces ${NAMESPACE_PREFIX}* in the cluster: seed with --seed`);
  return { types, benchNamespaces };
}

/** One more kubedump run with --cpu-prof, summarised on stdout. */
async function profileOnce(kubedumpCfg) {
  const profDir = resolve(args["prof-dir"] ?? mkdtempSync(join(tmpdir(), "kubedump-bench-prof-")));
  mkdirSync(profDir, { recursive: true });
  const before = new Set(readdirSync(profDir));
  log(`profiling one more kubedump run into ${profDir}`);
  const p = await runChild("kubedump-child.mjs", kubedumpCfg("prof"), ["--cpu-prof", `--cpu-prof-dir=${profDir}`]);
  // One profile per thread: the main thread's is summarised, the compressing thread's listed.
  const { main, others } = newProfiles(profDir, before);
  const profile = summariseProfile(main, { top: 25, inclusive: DUMP_FUNCTIONS });
  process.stdout.write(
    `\nprofiled run: ${p.seconds.toFixed(2)} s (profiling slows it); main thread ${main}` +
      `${others.length ? `; other threads: ${others.join(", ")}` : ""}\n${formatProfile(profile)}\n`,
  );
  return profile;
}

/** --keep: writes an env file and waits for a signal; the signal's handler stops the servers. */
async function keepUp(env, kubeconfig) {
  const { writeEnvFile } = await import("@kubedump/testenv");
  const envFile = join(tmpdir(), "kubedump-bench.env");
  removeAtEnd(envFile);
  writeEnvFile(envFile, env);
  log(`--keep: the test environment stays up until Ctrl-C. KUBECONFIG=${kubeconfig}`);
  log(
    `  env file: ${envFile} (set -a; . ${envFile}; set +a); then e.g. KUBECONFIG=${kubeconfig} npm run bench:dump -- --objects ${N}`,
  );
  await new Promise(() => {}); // until a signal; the handler stops the servers
}

/** --json: the results, without the single runs' details. */
function writeJson(file, { report, seeding, types, profile }) {
  const { rows, targets, machine, load } = report;
  writeFileSync(
    file,
    `${JSON.stringify({ objects: N, namespaces: K, runs: RUNS, machine, load, seeding, types: types.map((t) => t.key), rows: rows.map(({ runs: _r, ...r }) => r), targets, profile }, null, 2)}\n`,
  );
  log(`wrote ${file}`);
}

async function main() {
  const { external, env, kubeconfig, kubectl } = await openCluster();
  const conn = loadConnection({ kubeconfig });
  const watch = createServerWatch({ kubeconfig, server: conn.server });
  const { servers } = watch;
  if (servers.length) log(`server CPU from ${servers.map((x) => `${x.name} (pid ${x.pid})`).join(", ")}`);
  const seeding = !external || args.seed ? await seedBench(conn, watch) : undefined;

  const includeNamespaces = [`${NAMESPACE_PREFIX}*`];
  const { types, benchNamespaces } = await dumpScope(kubeconfig, includeNamespaces);
  const rawCfg = { kubeconfig, paths: types.map((t) => collectionPath(t)), limit: PAGE_SIZE };
  const kubedumpCfg = (i) => ({
    kubeconfig,
    repo: join(work, `repo-${i}`),
    qps: QPS,
    burst: BURST,
    includeNamespaces,
    scratchDir: work,
  });

  // A warm-up LIST, not reported, so the first measurement does not pay for cold caches.
  const warm = await runChild("raw-list-child.mjs", rawCfg);
  log(`warm-up LIST: ${warm.objects.toLocaleString("en-US")} objects in ${warm.seconds.toFixed(2)} s`);

  const loadBefore = loadavg()[0];
  const measuring = { options, kubeconfig, kubectl, root: ROOT, work, types, benchNamespaces, rawCfg, kubedumpCfg };
  const results = await measureAll({ ...measuring, runChild, watch, track, log });
  watch.close();

  const report = formatReport({ results, options, external, seeding, loadBefore });
  process.stdout.write(report.text);
  const profile = args["cpu-prof"] ? await profileOnce(kubedumpCfg) : undefined;

  if (args.json) writeJson(args.json, { report, seeding, types, profile });

  if (args.keep && env) await keepUp(env, kubeconfig);
}

runBench(main, cleanup);
