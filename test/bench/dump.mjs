#!/usr/bin/env node
// kubedump dump benchmark: seeds N objects, then measures on the same data, in one run, each in a
// fresh child process: the raw paged LIST (the ceiling), a kubedump backup to a local repository,
// and a kubectl-based dump. See docs/benchmarks.md.
//
//   npm run bench:dump                      # 20,000 objects in a private test environment
//   npm run bench:dump -- --objects 100000
//   KUBECONFIG=~/.kube/config npm run bench:dump   # an existing cluster: measure bench-* only, no seeding
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { compileFilters } from "@kubedump/dump";
import {
  collectionPath,
  createKubeClient,
  DEFAULT_BURST,
  DEFAULT_QPS,
  discoverResources,
  loadConnection,
} from "@kubedump/kube";
import { fmt, MiB, median, runCollecting, runMeasurement } from "./lib/common.mjs";
import { haveGnuTime, kubectlDump, readTimed, timed } from "./lib/kubectl.mjs";
import { DUMP_FUNCTIONS, formatProfile, newProfiles, summariseProfile } from "./lib/profile.mjs";
import { NAMESPACE_PREFIX, seed } from "./lib/seed.mjs";
import { apiServerGcCycles, cpuOf, findLocalServers, rssOf } from "./lib/server-cpu.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");

const USAGE = `usage: npm run bench:dump -- [options]

  --objects N            objects to seed (default 20000)
  --namespaces K         spread over namespaces bench-0..K-1 (default 10)
  --qps Q --burst B      kubedump's client-side rate limit (default ${DEFAULT_QPS}/${DEFAULT_BURST}; --qps 0: unlimited)
  --runs R               measure raw LIST, kubedump (and the CLI) R times, interleaved in ABBA
                         order (raw first in odd runs, last in even ones); report the median time,
                         and the raw LIST ratio pooled over the runs (default 6: single runs on a
                         shared machine vary by 1.3x)
  --kubectl-runs R       measure the kubectl-based dump R times, after the others (default 1)
  --page-size P          objects per page of the raw LIST (default 500, as kubedump)
  --kubectl-scope S      all: kubectl get <r> -A per resource (default);
                         namespaces: kubectl get <r> -n <ns> per resource and bench namespace
  --cli                  also measure the kubedump CLI (node packages/cli/dist/main.js backup)
  --cpu-prof             after measuring, profile one more kubedump run and summarise it
  --prof-dir DIR         where the .cpuprofile goes (default: a temp dir, kept)
  --skip-kubectl         leave out the kubectl-based dump
  --seed-concurrency C   requests in flight while seeding (default 48)
  --seed                 with KUBECONFIG set: seed that cluster too (idempotent)
  --json FILE            also write the results as JSON
  --keep                 keep the test environment up after measuring (until Ctrl-C); writes an env file
  --help

Without KUBECONFIG, a private kube-apiserver + etcd (+ MinIO, Redis) is started on 127.0.0.1 and
stopped at the end (also on Ctrl-C). With KUBECONFIG, that cluster is measured, restricted to the
namespaces bench-*, and nothing is seeded unless --seed is given.`;

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--")),
  options: {
    objects: { type: "string", default: "20000" },
    namespaces: { type: "string", default: "10" },
    qps: { type: "string" },
    burst: { type: "string" },
    runs: { type: "string", default: "6" },
    "kubectl-runs": { type: "string", default: "1" },
    "page-size": { type: "string", default: "500" },
    "kubectl-scope": { type: "string", default: "all" },
    cli: { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
    "prof-dir": { type: "string" },
    "skip-kubectl": { type: "boolean", default: false },
    "seed-concurrency": { type: "string", default: "48" },
    seed: { type: "boolean", default: false },
    json: { type: "string" },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const int = (name, min = 0) => {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < min) {
    console.error(`--${name} "${args[name]}": an integer >= ${min}\n\n${USAGE}`);
    process.exit(2);
  }
  return v;
};
const N = int("objects", 1);
const K = int("namespaces", 1);
const RUNS = int("runs", 1);
const KUBECTL_RUNS = int("kubectl-runs", 1);
const PAGE_SIZE = int("page-size", 1);
const SEED_CONCURRENCY = int("seed-concurrency", 1);
const QPS = args.qps === undefined ? undefined : Number(args.qps);
const BURST = args.burst === undefined ? undefined : int("burst", 1);
if (QPS !== undefined && !(QPS >= 0)) {
  console.error(`--qps "${args.qps}": a number >= 0`);
  process.exit(2);
}
if (!["all", "namespaces"].includes(args["kubectl-scope"])) {
  console.error(`--kubectl-scope "${args["kubectl-scope"]}": all or namespaces`);
  process.exit(2);
}

const log = (m) => process.stderr.write(`bench: ${m}\n`);
const work = mkdtempSync(join(tmpdir(), "kubedump-bench-"));

// ---- cleanup: every server and child this process started, also on Ctrl-C ----
let env;
let envFile;
let activeChild;
let cleaningUp = false;
const trackChild = (c) => {
  activeChild = c;
};
async function cleanup() {
  if (cleaningUp) return;
  cleaningUp = true;
  if (activeChild && activeChild.exitCode === null) {
    try {
      process.kill(activeChild.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  if (env) {
    log("stopping the test environment");
    await env.stop();
  }
  rmSync(work, { recursive: true, force: true });
  if (envFile) rmSync(envFile, { force: true });
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    log(`${signal}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

// ---- children ----
/** Runs a measurement child in a fresh node process; resolves with its result object. */
const runChild = (script, cfg, nodeArgs = []) =>
  runMeasurement(script.includes("/") ? script : join(HERE, "lib", script), cfg, {
    nodeArgs,
    cwd: ROOT,
    track: trackChild,
  });

/** The CLI, as a user runs it; wall time from outside, peak RSS from GNU time. */
async function runCli(kubeconfig, repo) {
  const cliArgs = [
    join(ROOT, "packages/cli/dist/main.js"),
    "backup",
    "--repo",
    repo,
    "--include-namespaces",
    `${NAMESPACE_PREFIX}*`,
    "--kubeconfig",
    kubeconfig,
    "-o",
    "json",
    ...(QPS !== undefined ? ["--qps", String(QPS)] : []),
    ...(BURST !== undefined ? ["--burst", String(BURST)] : []),
  ];
  const rssFile = join(work, "cli.rss");
  const [cmd, argv] = timed(process.execPath, cliArgs, rssFile);
  const t0 = performance.now();
  const { code, text } = await runCollecting(
    cmd,
    argv,
    { stdio: ["ignore", "pipe", "ignore"], cwd: ROOT },
    "stdout",
    trackChild,
  );
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`kubedump backup exited ${code}: ${text.slice(-1000)}`);
  const manifest = JSON.parse(text);
  const { maxRss, cpu } = haveGnuTime() ? readTimed(rssFile) : {};
  return { objects: manifest.objects, bytes: manifest.bytes, storedBytes: manifest.storedBytes, seconds, maxRss, cpu };
}

/** The rate ratio of each run of `b` to the run of `a` measured beside it. */
function pairRatios(a, b) {
  return b.map((r, i) => r.objects / r.seconds / (a[i].objects / a[i].seconds));
}

/** kubedump / raw LIST per run, with the API server's GC cycles in each, and of the median runs. */
function perRunLines(raw, kd) {
  const gc = raw.every((r) => r.serverGc !== undefined) && kd.every((r) => r.serverGc !== undefined);
  const perRun = pairRatios(raw, kd).map(
    (r, i) => `${r.toFixed(2)}${gc ? ` (${raw[i].serverGc}/${kd[i].serverGc})` : ""}`,
  );
  const median = combine("", kd).rate / combine("", raw).rate;
  return [
    `kubedump / raw LIST per run (ABBA order${gc ? "; in brackets the API server's GC cycles during raw/kubedump" : ""}): ${perRun.join(" ")}`,
    `kubedump / raw LIST of the median runs: ${median.toFixed(2)}`,
  ];
}

/** kubedump's rate over all its runs to the raw LIST's: total objects over total seconds, each. */
function pooledRatio(raw, kd) {
  const rate = (runs) => runs.reduce((n, r) => n + r.objects, 0) / runs.reduce((s, r) => s + r.seconds, 0);
  return rate(kd) / rate(raw);
}

/** Combines the runs of one measurement: median time, its objects/bytes, the highest peak RSS. */
function combine(name, runs) {
  const seconds = median(runs.map((r) => r.seconds));
  const { objects, bytes } = runs[0];
  const rss = runs.map((r) => r.maxRss).filter((x) => x !== undefined);
  const med = (k) => (runs.every((r) => r[k] !== undefined) ? median(runs.map((r) => r[k])) : undefined);
  return {
    name,
    objects,
    bytes,
    seconds,
    rate: objects / seconds,
    mbps: bytes / 1e6 / seconds,
    maxRss: rss.length ? Math.max(...rss) : undefined,
    cpu: med("cpu"),
    serverCpu: med("serverCpu"),
    allSeconds: runs.map((r) => r.seconds),
    runs,
  };
}

async function main() {
  // ---- the cluster ----
  let kubeconfig;
  let kubectl;
  const external = Boolean(process.env.KUBECONFIG);
  if (external) {
    kubeconfig = process.env.KUBECONFIG;
    kubectl = process.env.KUBECTL ?? "kubectl";
    log(`using the cluster of KUBECONFIG=${kubeconfig}${args.seed ? "" : " (no seeding; pass --seed to seed it)"}`);
  } else {
    const { startTestEnv } = await import("@kubedump/testenv");
    env = await startTestEnv({ progress: (m) => log(`testenv: ${m}`) });
    kubeconfig = env.kubeconfig;
    kubectl = env.kubectl;
  }

  const conn = loadConnection({ kubeconfig });
  // The API server's and etcd's CPU per measurement, when they are local processes.
  const servers = findLocalServers(conn.server);
  const withServerCpu = async (measure) => {
    const before = cpuOf(servers);
    const r = await measure();
    return servers.length ? { ...r, serverCpu: cpuOf(servers) - before } : r;
  };
  const serverRssNote = () => (servers.length ? `; API server + etcd RSS now ${fmt.mib(rssOf(servers))} MiB` : "");
  // kube-apiserver's garbage collections during a measurement, from its /metrics (when readable).
  const metricsClient = createKubeClient({ kubeconfig, qps: 0 });
  const withServer = async (measure) => {
    const gc0 = await apiServerGcCycles(metricsClient);
    const r = await withServerCpu(measure);
    const gc1 = gc0 === undefined ? undefined : await apiServerGcCycles(metricsClient);
    return gc1 === undefined ? r : { ...r, serverGc: gc1 - gc0 };
  };
  const serverNote = (r) =>
    `${r.serverGc === undefined ? "" : `; API server GC cycles ${r.serverGc}`}${serverRssNote()}`;
  if (servers.length) log(`server CPU from ${servers.map((x) => `${x.name} (pid ${x.pid})`).join(", ")}`);

  let seeding;
  if (!external || args.seed) {
    log(`seeding ${N.toLocaleString("en-US")} objects over ${K} namespaces (${SEED_CONCURRENCY} in flight)`);
    const cpu0 = process.cpuUsage();
    seeding = await withServerCpu(() =>
      seed(conn, { objects: N, namespaces: K, concurrency: SEED_CONCURRENCY, progress: log }),
    );
    const cpu = process.cpuUsage(cpu0);
    seeding.cpu = (cpu.user + cpu.system) / 1e6;
    log(
      `seeded in ${seeding.seconds.toFixed(1)} s: ${Math.round(seeding.rate)} objects/s (${seeding.created} created, ${seeding.existed} existed; ` +
        `CPU: seeder ${seeding.cpu.toFixed(1)} s, server ${fmt.f(seeding.serverCpu, 1)} s)`,
    );
  }

  // ---- what the dump covers: the same resource types for all three ----
  const client = createKubeClient({ kubeconfig, qps: 0 });
  const discovery = await discoverResources(client);
  const includeNamespaces = [`${NAMESPACE_PREFIX}*`];
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

  const loadBefore = (await import("node:os")).loadavg()[0];
  const results = { raw: [], kubedump: [], cli: [], kubectl: [] };
  const measurements = {
    raw: async (_run, tag) => {
      const raw = await withServer(() => runChild("raw-list-child.mjs", rawCfg));
      log(
        `raw LIST${tag}: ${raw.objects} objects, ${raw.seconds.toFixed(2)} s, ${Math.round(raw.objects / raw.seconds)} objects/s, RSS ${fmt.mib(raw.maxRss)} MiB${serverNote(raw)}`,
      );
      return raw;
    },
    kubedump: async (run, tag) => {
      const kd = await withServer(() => runChild("kubedump-child.mjs", kubedumpCfg(run)));
      rmSync(join(work, `repo-${run}`), { recursive: true, force: true });
      log(
        `kubedump${tag}: ${kd.objects} objects, ${kd.seconds.toFixed(2)} s, ${Math.round(kd.objects / kd.seconds)} objects/s, RSS ${fmt.mib(kd.maxRss)} MiB` +
          ` (heap peak ${fmt.mib(kd.memory.heapUsed)} MiB, external ${fmt.mib(kd.memory.external)} MiB)${serverNote(kd)}`,
      );
      if (kd.warnings.length) log(`kubedump warnings: ${kd.warnings.join("; ")}`);
      return kd;
    },
    cli: async (run, tag) => {
      const repo = join(work, `cli-repo-${run}`);
      const cli = await withServer(() => runCli(kubeconfig, repo));
      rmSync(repo, { recursive: true, force: true });
      log(
        `kubedump CLI${tag}: ${cli.objects} objects, ${cli.seconds.toFixed(2)} s, RSS ${fmt.mib(cli.maxRss)} MiB${serverNote(cli)}`,
      );
      return cli;
    },
  };
  const order = ["raw", "kubedump", ...(args.cli ? ["cli"] : [])];
  for (let run = 1; run <= RUNS; run++) {
    const tag = RUNS > 1 ? ` (run ${run}/${RUNS})` : "";
    // ABBA: odd runs raw first, even runs raw last. Whatever recurs once per pair of measurements
    // (kube-apiserver's garbage collection here, docs/benchmarks.md) then falls on both sides.
    for (const what of run % 2 ? order : [...order].reverse()) results[what].push(await measurements[what](run, tag));
  }

  // kubectl last: measured in between, its runs left the API server answering the next LISTs
  // 1.5–2x slower, which penalised whatever came after them.
  for (let run = 1; run <= KUBECTL_RUNS && !args["skip-kubectl"]; run++) {
    const tag = KUBECTL_RUNS > 1 ? ` (run ${run}/${KUBECTL_RUNS})` : "";
    const outDir = join(work, `kubectl-${run}`);
    mkdirSync(outDir);
    const kc = await withServer(() =>
      kubectlDump({
        kubectl,
        kubeconfig,
        outDir,
        track: trackChild,
        resources: types.map((t) => t.key),
        namespaces: args["kubectl-scope"] === "namespaces" ? benchNamespaces : undefined,
      }),
    );
    rmSync(outDir, { recursive: true, force: true });
    results.kubectl.push(kc);
    log(
      `kubectl${tag}: ${kc.objects} objects, ${kc.calls} calls, ${kc.seconds.toFixed(2)} s, RSS ${fmt.mib(kc.maxRss)} MiB${serverNote(kc)}`,
    );
  }
  metricsClient.close();

  // ---- report ----
  const qpsLabel =
    QPS === undefined
      ? `default qps ${DEFAULT_QPS}/burst ${DEFAULT_BURST}`
      : QPS === 0
        ? "qps unlimited"
        : `qps ${QPS}/burst ${BURST ?? DEFAULT_BURST}`;
  const rows = [
    combine("raw paged LIST (ceiling)", results.raw),
    combine(`kubedump (${qpsLabel})`, results.kubedump),
    ...(results.cli.length ? [combine("kubedump CLI (wall, incl. start)", results.cli)] : []),
    ...(results.kubectl.length
      ? [
          combine(
            `kubectl get -o yaml (${args["kubectl-scope"] === "all" ? "-A" : "-n"}, ${results.kubectl[0].calls} calls)`,
            results.kubectl,
          ),
        ]
      : []),
  ];
  const [, kd] = rows;
  const kc = rows.find((r) => r.name.startsWith("kubectl"));
  const rssTarget = 300 * MiB;
  // The rate over all runs (total objects over total time of each side): a kube-apiserver GC
  // cycle falls in about one measurement of two, either side's, so single runs and their median
  // swing between two modes (docs/benchmarks.md), while the pooled rate charges each side its share.
  const targetsOf = (row, label, pooled = pooledRatio(results.raw, row.runs)) => [
    {
      what: `${label} / raw LIST${RUNS > 1 ? " (pooled)" : ""}`,
      value: pooled.toFixed(2),
      target: ">= 0.70",
      met: pooled >= 0.7,
    },
    ...(kc
      ? [
          {
            what: `${label} / kubectl`,
            value: (row.rate / kc.rate).toFixed(1),
            target: ">= 5",
            met: row.rate / kc.rate >= 5,
          },
        ]
      : []),
    {
      what: `${label} peak RSS`,
      value: `${fmt.mib(row.maxRss)} MiB`,
      target: "< 300 MiB",
      met: row.maxRss < rssTarget,
    },
  ];
  const targets = targetsOf(kd, "kubedump");

  const os = await import("node:os");
  const machine = `${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
  const load = `load average (1 min) ${loadBefore.toFixed(1)} before the measurements, ${os.loadavg()[0].toFixed(1)} after`;
  const lines = [
    "",
    `kubedump dump benchmark: ${N.toLocaleString("en-US")} objects seeded over ${K} namespaces${external ? ` (existing cluster${args.seed ? ", seeded" : ""})` : ""}; ${machine}; runs ${RUNS}${RUNS > 1 ? " (median time)" : ""}`,
    load,
    ...(seeding
      ? [
          `seeding: ${seeding.seconds.toFixed(1)} s, ${Math.round(seeding.rate)} objects/s (CPU: seeder ${seeding.cpu.toFixed(1)} s, server ${fmt.f(seeding.serverCpu, 1)} s)`,
        ]
      : []),
    "",
    `${"measurement".padEnd(44)} ${"objects".padStart(9)} ${"seconds".padStart(8)} ${"best s".padStart(7)} ${"objects/s".padStart(10)} ${"MB/s".padStart(7)} ${"peak RSS MiB".padStart(12)} ${"client CPU s".padStart(12)} ${"server CPU s".padStart(12)}`,
    ...rows.map(
      (r) =>
        `${r.name.padEnd(44)} ${fmt.n(r.objects).padStart(9)} ${fmt.f(r.seconds, 2).padStart(8)} ${fmt.f(Math.min(...r.allSeconds), 2).padStart(7)} ${fmt.n(r.rate).padStart(10)} ${fmt.f(r.mbps, 1).padStart(7)} ${fmt.mib(r.maxRss).padStart(12)} ${fmt.f(r.cpu, 1).padStart(12)} ${fmt.f(r.serverCpu, 1).padStart(12)}`,
    ),
    "",
    ...(RUNS > 1
      ? [
          "seconds, objects/s, MB/s and the kubectl ratio: the median run; best s: the fastest run; peak RSS: the highest run;",
          "the raw LIST ratio: pooled, total objects over total seconds of all runs of each.",
        ]
      : []),
    "MB/s: JSON bytes received for the raw LIST, YAML bytes produced for kubedump and kubectl (1 MB = 10^6 bytes).",
    "client CPU: user+system of the measuring process (kubectl: summed over its calls); server CPU: kube-apiserver + etcd, when local.",
    `kubedump YAML ${fmt.f(kd.bytes / 1e6, 1)} MB, stored ${fmt.f(kd.runs[0].storedBytes / 1e6, 1)} MB compressed; time until the last object was archived ${fmt.f(median(kd.runs.map((r) => r.dumpSeconds)), 2)} s.`,
    "",
    ...targets.map(
      (t) =>
        `${t.what.padEnd(34)} ${String(t.value).padStart(9)}   target ${t.target.padEnd(9)} ${t.met ? "met" : "MISSED"}`,
    ),
    ...(RUNS > 1 ? perRunLines(results.raw, results.kubedump) : []),
    "",
    'Peak RSS "not growing with N": compare runs at different --objects (docs/benchmarks.md).',
    "",
  ];
  process.stdout.write(lines.join("\n"));

  let profile;
  if (args["cpu-prof"]) {
    const profDir = resolve(args["prof-dir"] ?? mkdtempSync(join(tmpdir(), "kubedump-bench-prof-")));
    mkdirSync(profDir, { recursive: true });
    const before = new Set(readdirSync(profDir));
    log(`profiling one more kubedump run into ${profDir}`);
    const p = await runChild("kubedump-child.mjs", kubedumpCfg("prof"), ["--cpu-prof", `--cpu-prof-dir=${profDir}`]);
    // One profile per thread: the main thread's is summarised, the compressing thread's listed.
    const { main, others } = newProfiles(profDir, before);
    profile = summariseProfile(main, { top: 25, inclusive: DUMP_FUNCTIONS });
    process.stdout.write(
      `\nprofiled run: ${p.seconds.toFixed(2)} s (profiling slows it); main thread ${main}` +
        `${others.length ? `; other threads: ${others.join(", ")}` : ""}\n${formatProfile(profile)}\n`,
    );
  }

  if (args.json) {
    writeFileSync(
      args.json,
      `${JSON.stringify({ objects: N, namespaces: K, runs: RUNS, machine, load, seeding, types: types.map((t) => t.key), rows: rows.map(({ runs: _r, ...r }) => r), targets, profile }, null, 2)}\n`,
    );
    log(`wrote ${args.json}`);
  }

  if (args.keep && env) {
    const { writeEnvFile } = await import("@kubedump/testenv");
    envFile = join(tmpdir(), "kubedump-bench.env");
    writeEnvFile(envFile, env);
    log(`--keep: the test environment stays up until Ctrl-C. KUBECONFIG=${kubeconfig}`);
    log(
      `  env file: ${envFile} (set -a; . ${envFile}; set +a); then e.g. KUBECONFIG=${kubeconfig} npm run bench:dump -- --objects ${N}`,
    );
    await new Promise(() => {}); // until a signal; the handler stops the servers
  }
}

main().then(
  async () => {
    await cleanup();
    process.exit(0);
  },
  async (err) => {
    console.error(`bench: ${err instanceof Error ? err.stack : String(err)}`);
    await cleanup();
    process.exit(1);
  },
);
