#!/usr/bin/env node
// kubedump incremental-snapshot benchmark (repository format 2 against format 1), in one run on a
// private test environment (kube-apiserver and MinIO): seeds N objects like bench:dump, then
// measures side by side the raw paged LIST (the ceiling), a full `kubedump backup` into a format 1
// and a format 2 repository on MinIO, a second backup after 1% of the objects changed (bytes the
// store received, time), --hours "hourly" snapshots with 1% changed each, and `kubedump download`
// and `kubedump restore` (into a fresh cluster) of each format's last snapshot. Every kubedump run
// is the CLI in a child process, as users run it. See docs/benchmarks.md.
//
//   npm run bench:incremental                                  # 100,000 objects, 30 hours
//   npm run bench:incremental -- --objects 20000 --hours 5
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { loadConnection } from "@kubedump/kube";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { s3StoreOptions, startExtraCluster, startTestEnv } from "@kubedump/testenv";
import { benchArgs } from "./lib/bench-args.mjs";
import { listPaths } from "./lib/bench-paths.mjs";
import { storeUsage, totalBytes, uploadedBetween } from "./lib/bucket-usage.mjs";
import { changeObjects } from "./lib/change.mjs";
import { createCleanup } from "./lib/cleanup.mjs";
import { median, runBench, runMeasurement } from "./lib/common.mjs";
import { formatIncrementalReport } from "./lib/incremental-report.mjs";
import { createBenchNamespaces, kubedumpCli, restoredCounts } from "./lib/restore-runs.mjs";
import { mainThreadCpuArgs, readThreadCpu } from "./lib/rounds-env.mjs";
import { cpuOf, machineCpu, pageRefaults, untilQuiet } from "./lib/server-cpu.mjs";
import { createServerWatch } from "./lib/server-watch.mjs";
import { NAMESPACE_PREFIX, seed } from "./lib/seed.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const HELP = `usage: npm run bench:incremental -- [options]
  --objects N          objects to seed (default 100000)
  --namespaces K       spread over namespaces bench-0..K-1 (default 10)
  --hours H            hourly snapshots of format 2, 1% changed before each after the first (default 30)
  --format1-hours H    hourly snapshots of format 1 (default 2: its size grows by one full snapshot
                       an hour, so the rest is projected from the second; pass --hours to measure all)
  --download-rounds R  download each format's last snapshot R times, alternating f1 and f2, and
                       report the median time (default 1); each starts once the machine is quiet
                       (under 0.15 CPU-s in a second, 20 s at most) and its log line says what
                       MinIO, the API server and etcd, and every other process used meanwhile,
                       and how many pages of files were read back from disk into the page cache
  --warmup-downloads W  unmeasured downloads of each format before the measured ones (default 1;
                       0: none): the first download after the backups has been its format's
                       slowest in most runs, and they bring MinIO's files of both snapshots and
                       node's own into the page cache, which this machine's proactive reclaim
                       empties of files unread for a minute (docs/benchmarks.md, "Session
                       2026-12-07 (eighteenth)")
  --download-dir DIR   download under DIR (e.g. /dev/shm, a tmpfs: the disk's writeback then
                       weighs on neither format; default the bench's work directory)
  --download-node-args A  node flags of every download (e.g. "--cpu-prof --cpu-prof-dir=DIR")
  --restore-node-args A  node flags of every restore (e.g. "--cpu-prof --cpu-prof-dir=DIR")
  --restore-rounds R   restore each format's last snapshot R times (each into a fresh cluster),
                       alternating f1 and f2, and report the median time (default 1)
  --skip-restore       leave out the restores (each into a fresh cluster)
  --settle-ms MS       wait MS after each 1% change before the next backup (default 2000): the
                       API server collects the garbage of the changes' PATCHes meanwhile, which
                       is the changes' cost, not the backup's (docs/benchmarks.md); 0: at once
  --full-rounds R      measure the raw LIST, both full backups and format 2's second backup R
                       times, each round into new repositories (the last round's go on to the
                       hours), the LIST first in odd rounds and last in even ones; the targets
                       take the ratios pooled over the rounds, as bench:dump's (default 1)
  --keep-repositories DIR  after the downloads, copy both repositories into DIR/repository (format 2)
                       and DIR/repository-format1, for download-local.mjs --repositories DIR
  --json FILE          also write the figures as JSON`;
const { args, int } = benchArgs(
  {
    objects: { type: "string", default: "100000" },
    namespaces: { type: "string", default: "10" },
    hours: { type: "string", default: "30" },
    "format1-hours": { type: "string", default: "2" },
    "download-rounds": { type: "string", default: "1" },
    "warmup-downloads": { type: "string", default: "1" },
    "download-dir": { type: "string" },
    "download-node-args": { type: "string", default: "" },
    "restore-node-args": { type: "string", default: "" },
    "restore-rounds": { type: "string", default: "1" },
    "skip-restore": { type: "boolean" },
    "full-rounds": { type: "string", default: "1" },
    "settle-ms": { type: "string", default: "2000" },
    "keep-repositories": { type: "string" },
    json: { type: "string" },
  },
  HELP,
);
const N = int("objects");
const K = int("namespaces");
const HOURS = Math.max(2, int("hours"));
const F1_HOURS = Math.min(HOURS, Math.max(2, int("format1-hours")));
const DOWNLOAD_ROUNDS = Math.max(1, int("download-rounds"));
const WARMUP_DOWNLOADS = int("warmup-downloads", 0);
const RESTORE_ROUNDS = Math.max(1, int("restore-rounds"));
const FULL_ROUNDS = Math.max(1, int("full-rounds"));
const SETTLE_MS = Math.max(0, int("settle-ms"));
const SHARE = 0.01;
const BUCKET = "kubedump-bench";

const log = (m) => process.stderr.write(`bench: ${m}\n`);
const work = mkdtempSync(join(tmpdir(), "kubedump-bench-incremental-"));
const { cleanup, track, stopAtEnd } = createCleanup({ work, log });
const downloadDir = args["download-dir"]
  ? mkdtempSync(join(resolve(args["download-dir"]), "kubedump-bench-download-"))
  : work;
const ctx = { root: ROOT, work, track };

/** A format-`format` repository on the test MinIO: its --repo URL and a store to measure it. */
function repositoryOn(env, format) {
  const prefix = `incremental-f${format}-${Date.now()}`;
  const endpoint = encodeURIComponent(env.s3Endpoint);
  return {
    format,
    url: `s3://${BUCKET}/${prefix}?endpoint=${endpoint}&region=us-east-1`,
    store: createS3ObjectStore(s3StoreOptions(env, BUCKET, prefix)),
    usage: new Map(),
    snapshots: [],
  };
}

/** What the API server spent on a measurement (createServerWatch): CPU-s (with etcd), GC cycles, bytes allocated. */
const serverFigures = (r) => ({ cpu: r.serverCpu, gcCycles: r.serverGc, allocated: r.serverAllocated });

/** One `kubedump backup` into `repo`; its time, peak RSS and what the store received. */
async function backup(repo, kubeconfig, label) {
  const cli = [
    "backup",
    "--repo",
    repo.url,
    "--kubeconfig",
    kubeconfig,
    "--include-namespaces",
    `${NAMESPACE_PREFIX}*`,
  ];
  const r = await ctx.watch.withServer(() =>
    kubedumpCli(`backup-f${repo.format}`, [...cli, "--repository-format", String(repo.format), "-o", "json"], ctx),
  );
  if (r.code !== 0)
    throw new Error(`kubedump backup (format ${repo.format}) exited ${r.code}: ${r.stderr.slice(-1000)}`);
  const manifest = JSON.parse(r.stdout);
  const usage = await storeUsage(repo.store);
  const uploaded = uploadedBetween(repo.usage, usage);
  repo.usage = usage;
  const run = {
    id: manifest.id,
    objects: manifest.objects,
    yamlBytes: manifest.bytes,
    seconds: r.seconds,
    maxRss: r.maxRss,
    cpu: r.cpu,
    uploaded: uploaded.bytes,
    keys: uploaded.objects,
    total: totalBytes(usage),
    server: serverFigures(r),
  };
  repo.snapshots.push(run);
  log(
    `${label} format ${repo.format}: ${run.objects} objects in ${run.seconds.toFixed(2)} s, uploaded ${(run.uploaded / 1e6).toFixed(2)} MB in ${run.keys} keys, repository ${(run.total / 1e6).toFixed(1)} MB${ctx.watch.serverNote(r)}`,
  );
  return run;
}

/**
 * `kubedump download` of the repository's last snapshot: time, peak RSS, the CPU-s of its main
 * thread and of all its threads (and each thread's), and MinIO's CPU-s meanwhile.
 */
async function download(repo) {
  const last = repo.snapshots.at(-1);
  const to = join(downloadDir, `download-f${repo.format}`);
  // Every round writes into an empty directory, with the last round's files and dirty pages gone
  // (not timed): otherwise later rounds overwrite, and wait for writeback of, the earlier ones.
  rmSync(to, { recursive: true, force: true });
  execFileSync("sync");
  const waited = await untilQuiet({ share: 0.15, mostMs: 20_000 });
  const minio = [{ pid: ctx.minioPid }];
  const minioBefore = cpuOf(minio);
  const serversBefore = cpuOf(ctx.watch.servers);
  const machineBefore = machineCpu();
  const refaultsBefore = pageRefaults();
  const r = readThreadCpu(
    await kubedumpCli(
      `download-f${repo.format}`,
      ["download", last.id, "--repo", repo.url, "--to", to],
      ctx,
      mainThreadCpuArgs(args["download-node-args"]),
    ),
  );
  const minioCpu = cpuOf(minio) - minioBefore;
  const serverCpu = cpuOf(ctx.watch.servers) - serversBefore;
  // what else the machine ran meanwhile: neither this download, nor MinIO, nor the API server and etcd
  const otherCpu =
    machineBefore === undefined ? undefined : machineCpu() - machineBefore - r.allCpu - minioCpu - serverCpu;
  const refaults = refaultsBefore === undefined ? undefined : (pageRefaults() ?? refaultsBefore) - refaultsBefore;
  if (r.code !== 0)
    throw new Error(`kubedump download (format ${repo.format}) exited ${r.code}: ${r.stderr.slice(-1000)}`);
  log(
    `download format ${repo.format}: ${r.seconds.toFixed(2)} s, main ${r.mainCpu} CPU-s, all ${r.allCpu}, MinIO ${minioCpu.toFixed(2)}, ` +
      `API server and etcd ${serverCpu.toFixed(2)}, others ${otherCpu?.toFixed(2)} (after ${(waited / 1000).toFixed(0)} s for a quiet machine), ` +
      `${refaults} pages read back into the page cache; threads ${r.threads}`,
  );
  const cpu = {
    mainCpu: r.mainCpu,
    allCpu: r.allCpu,
    minioCpu,
    serverCpu,
    otherCpu,
    quietWaitMs: waited,
    refaults,
    threads: r.threads,
  };
  return { seconds: r.seconds, maxRss: r.maxRss, objects: last.objects, ...cpu };
}

/**
 * `measure` of each format, `rounds` times alternating f1 and f2 (f1 first in even rounds, f2
 * first in odd ones, so neither always follows the other): the median time, the largest peak RSS,
 * every time.
 */
async function alternating(rounds, f1, f2, measure) {
  const runs = { f1: [], f2: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [f1, f2] : [f2, f1];
    for (const repo of order) runs[`f${repo.format}`].push(await measure(repo));
  }
  const summary = (rs) => ({
    ...rs[0],
    seconds: median(rs.map((r) => r.seconds)),
    ...(rs[0].allCpu === undefined
      ? {}
      : {
          mainCpu: median(rs.map((r) => r.mainCpu)),
          allCpu: median(rs.map((r) => r.allCpu)),
          minioCpu: median(rs.map((r) => r.minioCpu)),
          cpuRounds: rs.map(({ mainCpu, allCpu, minioCpu, serverCpu, otherCpu, quietWaitMs, refaults, threads }) => ({
            mainCpu,
            allCpu,
            minioCpu,
            serverCpu,
            otherCpu,
            quietWaitMs,
            refaults,
            threads,
          })),
        }),
    maxRss: Math.max(...rs.map((r) => r.maxRss)),
    rounds: rs.map((r) => r.seconds),
  });
  return { f1: summary(runs.f1), f2: summary(runs.f2) };
}

/**
 * Every object of each repository, copied from MinIO into a directory of its own under `dir`
 * (repository, repository-format1): a local repository holding the same bytes, which
 * download-local.mjs --repositories reads (its last snapshot's download, in a minute).
 */
async function keepRepositories(dir, { f1, f2 }) {
  for (const [repo, name] of [
    [f2, "repository"],
    [f1, "repository-format1"],
  ]) {
    const to = join(dir, name);
    rmSync(to, { recursive: true, force: true });
    const entries = [];
    for await (const entry of repo.store.list("")) entries.push(entry);
    // each file's time is its object's (a reader lists the index newest first)
    for (let i = 0; i < entries.length; i += 8)
      await Promise.all(
        entries.slice(i, i + 8).map(async ({ key, mtime }) => {
          mkdirSync(dirname(join(to, key)), { recursive: true });
          writeFileSync(join(to, key), await repo.store.getBuffer(key));
          if (mtime) utimesSync(join(to, key), mtime, mtime);
        }),
      );
    log(`kept ${entries.length} objects of the format-${repo.format} repository in ${to}`);
  }
}

/** Each format's download, DOWNLOAD_ROUNDS times (alternating), after WARMUP_DOWNLOADS unmeasured ones of each. */
async function downloads(f1, f2) {
  try {
    for (let i = 0; i < WARMUP_DOWNLOADS; i++)
      for (const repo of i % 2 === 0 ? [f2, f1] : [f1, f2]) {
        log(`warm-up download ${i + 1} of ${WARMUP_DOWNLOADS} (not measured):`);
        await download(repo);
      }
    const measured = await alternating(DOWNLOAD_ROUNDS, f1, f2, download);
    for (const f of ["f1", "f2"]) measured[f].warmups = WARMUP_DOWNLOADS;
    return measured;
  } finally {
    if (downloadDir !== work) rmSync(downloadDir, { recursive: true, force: true });
  }
}

/**
 * `kubedump restore` of the repository's last snapshot into a fresh cluster holding the bench
 * namespaces: time, peak RSS, the CPU-s of its main thread and of all its threads (and each
 * thread's), and MinIO's CPU-s meanwhile (the fresh cluster's servers share the two cores too).
 */
async function restore(repo, kubectl) {
  const cluster = await startExtraCluster();
  try {
    await createBenchNamespaces(K, { kubectl, kubeconfig: cluster.kubeconfig, work, track });
    const last = repo.snapshots.at(-1);
    const minio = [{ pid: ctx.minioPid }];
    const minioBefore = cpuOf(minio);
    const r = readThreadCpu(
      await kubedumpCli(
        `restore-f${repo.format}`,
        ["restore", last.id, "--repo", repo.url, "--kubeconfig", cluster.kubeconfig],
        ctx,
        mainThreadCpuArgs(args["restore-node-args"]),
      ),
    );
    const minioCpu = cpuOf(minio) - minioBefore;
    const counts = restoredCounts(r.stdout);
    if (r.code !== 0)
      throw new Error(`kubedump restore (format ${repo.format}) exited ${r.code}: ${r.stderr.slice(-1000)}`);
    log(
      `restore format ${repo.format}: ${r.seconds.toFixed(2)} s, ${counts.created ?? "?"} created, main ${r.mainCpu} CPU-s, all ${r.allCpu}, MinIO ${minioCpu.toFixed(2)}, main GC ${r.gc} s; threads ${r.threads}; GCs ${r.gcKinds}`,
    );
    const cpu = { mainCpu: r.mainCpu, allCpu: r.allCpu, minioCpu, threads: r.threads };
    return { seconds: r.seconds, maxRss: r.maxRss, objects: last.objects, created: counts.created, ...cpu };
  } finally {
    await cluster.stop();
  }
}

async function main() {
  const loadStart = loadavg();
  const env = await startTestEnv({ progress: (m) => log(`testenv: ${m}`) });
  stopAtEnd(env);
  process.env.AWS_ACCESS_KEY_ID = env.accessKey;
  process.env.AWS_SECRET_ACCESS_KEY = env.secretKey;
  ctx.minioPid = env.minio.process.pid;
  const conn = loadConnection({ kubeconfig: env.kubeconfig });
  log(`seeding ${N.toLocaleString("en-US")} objects over ${K} namespaces`);
  const seeding = await seed(conn, { objects: N, namespaces: K, progress: log });
  log(`seeded in ${seeding.seconds.toFixed(1)} s`);

  const rawCfg = { kubeconfig: env.kubeconfig, paths: await listPaths(env.kubeconfig), limit: 500 };
  ctx.watch = createServerWatch({ kubeconfig: env.kubeconfig, server: conn.server });
  const rawList = () =>
    ctx.watch.withServer(() => runMeasurement(join(HERE, "lib/raw-list-child.mjs"), rawCfg, { cwd: ROOT, track }));
  await rawList(); // warms the server's caches up, not measured
  const listOnce = async () => {
    const listed = await rawList();
    log(`raw LIST: ${listed.objects} objects in ${listed.seconds.toFixed(2)} s${ctx.watch.serverNote(listed)}`);
    return { ...listed, server: serverFigures(listed) };
  };
  const change = async (round, label = `hour ${round + 1}`) => {
    const c = await ctx.watch.withServer(() => changeObjects(conn, { objects: N, namespaces: K, share: SHARE, round }));
    const settled = SETTLE_MS > 0 ? await ctx.watch.withServer(() => sleep(SETTLE_MS)) : undefined;
    log(
      `${label}: changed ${c.changed} objects in ${c.seconds.toFixed(1)} s${ctx.watch.serverNote(c)}${settled ? `; settling ${SETTLE_MS} ms${ctx.watch.serverNote(settled)}` : ""}`,
    );
  };
  const phases = { start: performance.now() };
  // Each round: the raw LIST and a full backup of each format (the LIST first in odd rounds, last
  // in even ones), into new repositories; then, but in the last round, 1% changed and format 2's
  // second backup (the last round's is hour 2's). Changes of rounds before the last are rounds
  // HOURS and later of changeObjects, so no hour changes the same objects.
  const rounds = [];
  let f1;
  let f2;
  for (let r = 0; r < FULL_ROUNDS; r++) {
    const repos = [repositoryOn(env, 1), repositoryOn(env, 2)];
    const label = FULL_ROUNDS > 1 ? `round ${r + 1} full` : "full";
    const steps = [
      ["list", listOnce],
      ["f1", () => backup(repos[0], env.kubeconfig, label)],
      ["f2", () => backup(repos[1], env.kubeconfig, label)],
    ];
    const round = {};
    for (const [key, step] of r % 2 ? [...steps].reverse() : steps) round[key] = await step();
    rounds.push(round);
    if (r === FULL_ROUNDS - 1) [f1, f2] = repos;
    else {
      await change(HOURS + r, `round ${r + 1}`);
      round.second = await backup(repos[1], env.kubeconfig, `round ${r + 1} second`);
    }
  }
  const list = rounds.at(-1).list;
  for (let hour = 2; hour <= HOURS; hour++) {
    await change(hour - 1);
    if (hour <= F1_HOURS) await backup(f1, env.kubeconfig, `hour ${hour}`);
    await backup(f2, env.kubeconfig, `hour ${hour}`);
  }
  phases.backups = (performance.now() - phases.start) / 1000;

  const downloaded = await downloads(f1, f2);
  if (args["keep-repositories"]) await keepRepositories(resolve(args["keep-repositories"]), { f1, f2 });
  const restores = args["skip-restore"]
    ? {}
    : await alternating(RESTORE_ROUNDS, f1, f2, (repo) => restore(repo, env.kubectl));
  const report = formatIncrementalReport({
    N,
    K,
    HOURS,
    F1_HOURS,
    list,
    settleMs: SETTLE_MS,
    rounds: rounds.map((r) => ({ ...r, second: r.second ?? f2.snapshots[1] })),
    f1,
    f2,
    downloads: downloaded,
    restores,
    loadStart,
    loadEnd: loadavg(),
    seeding,
  });
  ctx.watch.close();
  process.stdout.write(report.text);
  if (args.json) writeFileSync(args.json, `${JSON.stringify(report.figures, null, 2)}\n`);
}

runBench(main, cleanup);
