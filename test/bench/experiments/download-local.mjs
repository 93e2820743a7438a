#!/usr/bin/env node
// Experiment (not a benchmark of record): `kubedump download` of the last of --hours format-2
// snapshots of --objects synthetic objects (1% changed before each after the first, as
// bench:incremental's), from a repository in a local directory: no cluster and no MinIO, so a
// change to the read path is measured in a minute, not in the half hour restore-read.mjs takes to
// seed and back up (lib/synthetic-repository.mjs writes it). Each round runs
// the CLI of every checkout of --roots (built), or of this one with each of --node-args-list,
// in turn, and prints each run's time, CPU per thread and GCs by kind (lib/main-thread-cpu.cjs).
// With --minio, the repository is copied into a MinIO of its own first and downloaded from there,
// as bench:incremental downloads (MinIO's CPU for each download printed too). With --format1, the
// last snapshot's objects are also written as one format-1 snapshot, and each variant downloads
// both, format 1 first in odd rounds and last in even ones: bench:incremental's download target
// (format 2 no slower than format 1) in a minute, with each thread's CPU.
//   node test/bench/experiments/download-local.mjs --objects 100000 --hours 30 --rounds 3 --roots .,/work/wt/base
//   node test/bench/experiments/download-local.mjs --minio --rounds 5 --roots .,/work/wt/base
//   node test/bench/experiments/download-local.mjs "--node-args-list=;--heap-growing-percent=200"
//   node test/bench/experiments/download-local.mjs "--node-args-list=;UV_USE_IO_URING=0"
//   node test/bench/experiments/download-local.mjs --format1 --rounds 4
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { benchArgs } from "../lib/bench-args.mjs";
import { createCleanup } from "../lib/cleanup.mjs";
import { median, runBench } from "../lib/common.mjs";
import { runTimed } from "../lib/restore-runs.mjs";
import { writeSyntheticRepositories } from "../lib/synthetic-repository.mjs";
import { mainThreadCpuArgs, readThreadCpu } from "../lib/rounds-env.mjs";
import { cpuOf } from "../lib/server-cpu.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../../..");
const HELP = `usage: node test/bench/experiments/download-local.mjs [options]
  --objects N      objects of each snapshot (default 100000)
  --hours H        snapshots, 1% changed before each after the first (default 30)
  --rounds R       downloads of each variant (default 3)
  --roots A,B      checkouts whose CLI downloads (default this one; this one writes the repository)
  "--node-args-list=A;B"  node flags of each variant, ";" between variants (with one root); a
                   NAME=value word sets that variable in the variant's environment
  --dir DIR        where the repository and the downloads go (default a new directory in /dev/shm)
  --minio          download from a MinIO the repository is copied into (started here), not the directory
  --format1        also write the last snapshot's objects as a format-1 snapshot, and download both
  --repositories DIR  download the last snapshot of DIR/repository (and of DIR/repository-format1,
                   when there: as --format1) instead of writing synthetic ones: the repositories
                   npm run bench:incremental -- --keep-repositories DIR left`;
const { args, int } = benchArgs(
  {
    objects: { type: "string", default: "100000" },
    hours: { type: "string", default: "30" },
    rounds: { type: "string", default: "3" },
    roots: { type: "string", default: "." },
    "node-args-list": { type: "string", default: "" },
    dir: { type: "string", default: "/dev/shm" },
    minio: { type: "boolean", default: false },
    format1: { type: "boolean", default: false },
    repositories: { type: "string" },
  },
  HELP,
);
const [N, HOURS, ROUNDS] = [int("objects"), int("hours"), int("rounds")];
const roots = args.roots.split(",").map((r) => resolve(r));
const flagSets = args["node-args-list"].split(";").map((f) => f.trim());
const VARIANTS = roots.flatMap((root) =>
  flagSets.map((set) => {
    // NAME=value words are the variant's environment, the rest node flags
    const words = set.split(/\s+/).filter(Boolean);
    const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split(/=(.*)/s).slice(0, 2)));
    const flags = words.filter((w) => !/^[A-Z_]+=/.test(w)).join(" ");
    return { root, flags, env, label: `${root === ROOT ? "this" : root}${set ? ` ${set}` : ""}` };
  }),
);
const log = (m) => process.stderr.write(`exp: ${m}\n`);
const work = mkdtempSync(join(resolve(args.dir), "kubedump-download-local-"));
const { cleanup, track, stopAtEnd } = createCleanup({ work, log });

/**
 * A MinIO of its own holding a copy of each repository directory in `dirs`, each under its own
 * prefix: the `--repo` URL of each and MinIO's process (server-cpu.mjs), its credentials in the
 * environment.
 */
async function copyToMinio(dirs) {
  const { startMinio } = await import("@kubedump/testenv");
  const { createS3ObjectStore } = await import(
    pathToFileURL(join(ROOT, "packages/repository/dist/stores/s3-object-store.js")).href
  );
  const minio = await startMinio(join(work, "minio"));
  stopAtEnd({ stop: () => minio.process.stop() });
  const bucket = "kubedump-download-local";
  const { endpoint, accessKey, secretKey } = minio;
  const urls = [];
  for (const dir of dirs) {
    const prefix = basename(dir);
    const store = createS3ObjectStore({ endpoint, accessKey, secretKey, bucket, prefix });
    // oldest first, as they were written: MinIO's times keep their order (a reader lists the index newest first)
    const files = readdirSync(dir, { recursive: true })
      .map((f) => ({ f, stat: statSync(join(dir, f)) }))
      .filter(({ stat }) => stat.isFile())
      .sort((a, b) => a.stat.mtimeMs - b.stat.mtimeMs)
      .map(({ f }) => f);
    for (let i = 0; i < files.length; i += 8)
      await Promise.all(files.slice(i, i + 8).map((f) => store.put(f, readFileSync(join(dir, f)))));
    log(`copied ${files.length} files of ${prefix} into MinIO`);
    urls.push(`s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(minio.endpoint)}&region=us-east-1`);
  }
  process.env.AWS_ACCESS_KEY_ID = minio.accessKey;
  process.env.AWS_SECRET_ACCESS_KEY = minio.secretKey;
  return { urls, servers: [{ name: "minio", pid: minio.process.pid }] };
}

/** The id of the last committed snapshot of the repository in `dir` (snapshot ids sort by time; snapshot.json commits one). */
const lastSnapshot = (dir) =>
  readdirSync(join(dir, "snapshots"))
    .filter((id) => existsSync(join(dir, "snapshots", id, "snapshot.json")))
    .sort()
    .at(-1);

async function main() {
  const kept = args.repositories && resolve(args.repositories);
  const repo = join(kept || work, "repository");
  const repo1 = join(kept || work, "repository-format1");
  if (kept) args.format1 = existsSync(repo1);
  else
    await writeSyntheticRepositories({
      root: ROOT,
      objects: N,
      hours: HOURS,
      repo,
      repo1: args.format1 ? repo1 : undefined,
      scratch: work,
      log,
    });
  const ids = { 1: args.format1 ? lastSnapshot(repo1) : undefined, 2: lastSnapshot(repo) };
  const minio = args.minio ? await copyToMinio(args.format1 ? [repo, repo1] : [repo]) : undefined;
  const formats = args.format1 ? [1, 2] : [2];
  const runs = VARIANTS.flatMap((v) =>
    formats.map((format) => ({ ...v, format, label: args.format1 ? `${v.label} format ${format}` : v.label })),
  );
  const rows = new Map(runs.map((v) => [v.label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of round % 2 ? [...runs].reverse() : runs) {
      const to = join(work, "download");
      const from = v.format === 1 ? (minio?.urls[1] ?? repo1) : (minio?.urls[0] ?? repo);
      const cli = [join(v.root, "packages/cli/bin/kubedump.js"), "download", ids[v.format], "--repo", from, "--to", to];
      const minioCpu = minio && cpuOf(minio.servers);
      const r = readThreadCpu(
        await runTimed(`download-${round}`, process.execPath, [...mainThreadCpuArgs(v.flags), ...cli], {
          work,
          env: { ...process.env, KUBEDUMP_CACHE_DIR: join(work, "cache"), ...v.env },
          track,
        }),
      );
      if (minio) r.minioCpu = cpuOf(minio.servers) - minioCpu;
      rmSync(to, { recursive: true, force: true });
      if (r.code !== 0) throw new Error(`${v.label}: kubedump download exited ${r.code}: ${r.stderr.slice(-1000)}`);
      rows.get(v.label).push(r);
      const rss = `${r.maxRss ? `, peak RSS ${(r.maxRss / 2 ** 20).toFixed(0)} MiB` : ""}${minio ? `, MinIO ${r.minioCpu.toFixed(2)} CPU-s` : ""}`;
      log(
        `round ${round + 1}: ${v.label}: ${r.seconds.toFixed(2)} s${rss}, main ${r.mainCpu} CPU-s, all ${r.allCpu}, GC ${r.gc} s; threads ${r.threads}; GCs ${r.gcKinds}`,
      );
    }
  }
  const out = [
    `${N} objects, ${HOURS} snapshots, the last downloaded${minio ? " from MinIO" : ""}; medians of ${ROUNDS}`,
  ];
  const minioColumn = minio ? [" MinIO CPU-s |", "---:|"] : ["", ""];
  out.push(
    `| download by | s | all CPU-s | main CPU-s | main GC s | peak RSS MiB |${minioColumn[0]}`,
    `|---|---:|---:|---:|---:|---:|${minioColumn[1]}`,
  );
  for (const [label, rs] of rows) {
    const m = (f) => median(rs.map(f));
    out.push(
      `| ${label} | ${m((r) => r.seconds).toFixed(2)} | ${m((r) => r.allCpu).toFixed(2)} | ${m((r) => r.mainCpu).toFixed(2)} | ${m((r) => r.gc).toFixed(2)} | ${(m((r) => r.maxRss ?? 0) / 2 ** 20).toFixed(0)} |${minio ? ` ${m((r) => r.minioCpu).toFixed(2)} |` : ""}`,
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

runBench(main, cleanup);
