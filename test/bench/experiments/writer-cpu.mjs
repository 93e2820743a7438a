#!/usr/bin/env node
// Experiment (not a benchmark of record): the format-2 snapshot writer alone, on the thread that
// serializes. --objects synthetic YAMLs (1–2.4 KB, as a LIST gives them: namespace and name order)
// are made first, then given to SnapshotWriterV2.add in pages of 500, with their digests from
// SnapshotWriterV2.digest when the checkout has it, into a fresh local repository; the main
// thread's CPU of the adds and of the commit, and each thread's, are printed. No cluster, no
// MinIO, no YAML serialization: what a change to the writer costs that thread, checkouts
// alternating in fresh processes.
//   node test/bench/experiments/writer-cpu.mjs --objects 100000 --runs 3 --roots .,/work/wt/base
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { benchArgs } from "../lib/bench-args.mjs";
import { median, threadCpuSeconds, threadsCpuSeconds } from "../lib/common.mjs";
import { syntheticText } from "../lib/synthetic-text.mjs";

const HERE = fileURLToPath(import.meta.url);
const HELP = `usage: node test/bench/experiments/writer-cpu.mjs [--objects N] [--runs R] [--roots A,B] [--dir DIR]`;
const { args, int } = benchArgs(
  {
    objects: { type: "string", default: "100000" },
    runs: { type: "string", default: "3" },
    roots: { type: "string", default: "." },
    dir: { type: "string", default: "/dev/shm" },
    child: { type: "string" },
  },
  HELP,
);
const PAGE = 500;

/** A run in this process: the writer of checkout `root`; prints one JSON line. */
async function child(root) {
  const at = (p) => import(pathToFileURL(join(root, p)).href);
  const { openRepositoryFromBackend } = await at("packages/repository/dist/index.js");
  const { pathFor } = await at("packages/repository/dist/snapshot/layout.js");
  const N = int("objects");
  const pages = [];
  for (let at = 0; at < N; at += PAGE) {
    const page = [];
    for (let i = at; i < Math.min(N, at + PAGE); i++) {
      const text = syntheticText(i);
      const namespace = `bench-${String(Math.floor(i / 2000)).padStart(3, "0")}`;
      const name = `cm-${String(i).padStart(7, "0")}`;
      const data = Buffer.from(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: ${text}\n`);
      const where = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespace, name };
      const record = { ...where, path: "", uid: `uid-${i}`, sha256: "", bytes: data.length, part: 0 };
      record.path = pathFor(record);
      page.push({ path: record.path, data, resourceVersion: String(i + 1), record });
    }
    pages.push(page);
  }
  const dir = mkdtempSync(join(resolve(args.dir), "kubedump-writer-cpu-"));
  try {
    const repository = await openRepositoryFromBackend({ backend: { local: { path: dir } }, secret: {}, format: 2 });
    const writer = await repository.format2.createWriter({ indexCacheDir: join(dir, "cache"), reuseKey: "bench" });
    const before = threadCpuSeconds();
    for (const page of pages) await writer.add(page, writer.digest ? await writer.digest(page) : undefined);
    const added = threadCpuSeconds();
    const time = new Date().toISOString();
    const draft = { id: "20261205T000000Z-00000001", time, completedAt: time, source: { kind: "cli" } };
    await writer.commit({
      ...draft,
      cluster: { version: "v1.36.0" },
      scope: { type: "cluster" },
      params: {},
      warnings: [],
    });
    const committed = threadCpuSeconds();
    const threads = threadsCpuSeconds().map((t) => t.toFixed(2));
    process.stdout.write(`${JSON.stringify({ add: added - before, commit: committed - added, threads })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main() {
  const roots = args.roots.split(",").map((r) => resolve(r));
  const runs = new Map(roots.map((r) => [r, []]));
  for (let run = 0; run < int("runs"); run++) {
    for (const root of run % 2 ? [...roots].reverse() : roots) {
      const out = spawnSync(process.execPath, [HERE, "--child", root, "--objects", args.objects, "--dir", args.dir], {
        encoding: "utf8",
      });
      if (out.status !== 0) throw new Error(`${root}: exited ${out.status}: ${out.stderr.slice(-1000)}`);
      const r = JSON.parse(out.stdout.trim().split("\n").at(-1));
      runs.get(root).push(r);
      process.stderr.write(
        `run ${run + 1}: ${root}: add ${r.add.toFixed(2)} CPU-s, commit ${r.commit.toFixed(2)}; threads ${r.threads.join(",")}\n`,
      );
    }
  }
  for (const [root, rs] of runs)
    process.stdout.write(
      `${root}: main-thread CPU-s, medians of ${rs.length}: add ${median(rs.map((r) => r.add)).toFixed(2)}, commit ${median(rs.map((r) => r.commit)).toFixed(2)}\n`,
    );
}

if (args.child) await child(resolve(args.child));
else main();
