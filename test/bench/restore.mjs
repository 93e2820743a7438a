#!/usr/bin/env node
// kubedump restore benchmark: seeds N objects (the dump benchmark's mix) into a source cluster,
// backs them up with the kubedump CLI and downloads the tree, then writes the same objects into a
// fresh empty cluster per method: `kubectl create -R -f <tree>`, `kubectl apply --server-side -R
// -f <tree>` and `kubedump restore`. The write ceiling is the seeder's concurrent create rate.
// Objects/s and peak RSS of each. See docs/restore.md.
//
//   npm run bench:restore                          # 20,000 objects
//   npm run bench:restore -- --objects 100000 --kubedump-only   # kubedump's peak RSS at 100,000
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConnection } from "@kubedump/kube";
import { startExtraCluster } from "@kubedump/testenv";
import { benchArgs } from "./lib/bench-args.mjs";
import { createCleanup } from "./lib/cleanup.mjs";
import { fmt, runBench } from "./lib/common.mjs";
import {
  backupBenchNamespaces,
  createBenchNamespaces,
  kubectlWrite,
  kubedumpCli,
  restoredCounts,
} from "./lib/restore-runs.mjs";
import { seed } from "./lib/seed.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const HELP = `usage: npm run bench:restore -- [options]
  --objects N            objects to seed, back up and restore (default 20000)
  --namespaces K         spread over namespaces bench-0..K-1 (default 10)
  --seed-concurrency C   creates in flight while seeding: the write ceiling (default 48)
  --qps Q --burst B      kubedump restore's client rate limit (default: the CLI's)
  --compare-read-rate    also restore with --qps 50 --burst 100 (backup's defaults)
  --kubedump-only        skip the kubectl runs (e.g. for the peak RSS at 100,000)`;

const { args, int } = benchArgs(
  {
    objects: { type: "string", default: "20000" },
    namespaces: { type: "string", default: "10" },
    "seed-concurrency": { type: "string", default: "48" },
    qps: { type: "string" },
    burst: { type: "string" },
    "compare-read-rate": { type: "boolean" },
    "kubedump-only": { type: "boolean" },
  },
  HELP,
);
const N = int("objects");
const K = int("namespaces");

const log = (m) => process.stderr.write(`bench: ${m}\n`);
const work = mkdtempSync(join(tmpdir(), "kubedump-bench-restore-"));
const { cleanup, track, stopAtEnd } = createCleanup({ work, log });
const clusters = new Set();
stopAtEnd({ stop: () => Promise.all([...clusters].map((c) => c.stop())) });

/** A fresh empty cluster (etcd and kube-apiserver, no controllers), stopped after `use`. */
async function withCluster(use) {
  const cluster = await startExtraCluster();
  clusters.add(cluster);
  try {
    return await use(cluster);
  } finally {
    clusters.delete(cluster);
    await cluster.stop();
  }
}

/** Seeds the source (the write ceiling), backs the bench namespaces up and downloads the tree. */
async function prepareSource(source) {
  log(`seeding ${N.toLocaleString("en-US")} objects over ${K} namespaces into the source cluster`);
  const conn = loadConnection({ kubeconfig: source.kubeconfig });
  const concurrency = int("seed-concurrency");
  const seeding = await seed(conn, { objects: N, namespaces: K, concurrency, progress: log });
  log(`write ceiling: ${Math.round(seeding.rate)} objects/s (${concurrency} creates in flight)`);
  const repo = join(work, "repo");
  const ctx = { root: ROOT, work, track };
  const manifest = await backupBenchNamespaces(repo, source.kubeconfig, ctx);
  const tree = join(work, "tree");
  const download = await kubedumpCli("download", ["download", manifest.id, "--repo", repo, "--to", tree], ctx);
  if (download.code !== 0) throw new Error(`kubedump download exited ${download.code}: ${download.stderr}`);
  log(`snapshot ${manifest.id}: ${manifest.objects} objects, downloaded to ${tree}`);
  return { seeding, repo, id: manifest.id, objects: manifest.objects, tree };
}

/** One method into its own fresh cluster with the bench namespaces: its row of the table. */
async function measure(name, objects, kubectl, run) {
  return withCluster(async (target) => {
    await createBenchNamespaces(K, { kubectl, kubeconfig: target.kubeconfig, work, track });
    log(`${name}: running`);
    const r = await run(target);
    const row = { name, objects, seconds: r.seconds, rate: objects / r.seconds, maxRss: r.maxRss, code: r.code };
    log(`${name}: ${r.seconds.toFixed(1)} s, ${Math.round(row.rate)} objects/s, exit ${r.code}`);
    if (r.code !== 0) log(`${name}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    return { ...row, ...r.extra };
  });
}

function restoreRun(src, rate) {
  return async (target) => {
    const flags = rate ? ["--qps", String(rate.qps), "--burst", String(rate.burst)] : [];
    const cli = ["restore", src.id, "--repo", src.repo, "--kubeconfig", target.kubeconfig, ...flags];
    const r = await kubedumpCli("restore", cli, { root: ROOT, work, track });
    return { ...r, extra: { counts: restoredCounts(r.stdout) } };
  };
}

async function main() {
  const src = await withCluster(prepareSource);
  const ctx = { kubectl: process.env.KUBECTL ?? (await kubectlPath()), tree: src.tree, work, track };
  const rows = [{ name: "write ceiling (seeder)", objects: N, seconds: src.seeding.seconds, rate: src.seeding.rate }];
  const qps = args.qps || args.burst ? { qps: args.qps ?? "5000", burst: args.burst ?? "10000" } : undefined;
  rows.push(
    await measure(
      `kubedump restore${qps ? ` (--qps ${qps.qps} --burst ${qps.burst})` : ""}`,
      src.objects,
      ctx.kubectl,
      restoreRun(src, qps),
    ),
  );
  // The write ceiling again, into a fresh cluster right after kubedump's run: on a shared machine
  // the load can change between the first seeding and the restore, and the pair shows how much.
  const again = await withCluster((c) =>
    seed(loadConnection({ kubeconfig: c.kubeconfig }), {
      objects: N,
      namespaces: K,
      concurrency: int("seed-concurrency"),
    }),
  );
  rows.push({ name: "write ceiling, again after kubedump", objects: N, seconds: again.seconds, rate: again.rate });
  const kubedumpRate = rows[1].rate;
  log(
    `kubedump restore ÷ write ceiling: ${(kubedumpRate / rows[0].rate).toFixed(2)} (first), ${(kubedumpRate / again.rate).toFixed(2)} (again)`,
  );
  if (args["compare-read-rate"])
    rows.push(
      await measure(
        "kubedump restore (--qps 50 --burst 100)",
        src.objects,
        ctx.kubectl,
        restoreRun(src, { qps: 50, burst: 100 }),
      ),
    );
  if (!args["kubedump-only"]) {
    for (const how of ["create", "apply"]) {
      const name = how === "create" ? "kubectl create -R -f" : "kubectl apply --server-side -R -f";
      rows.push(
        await measure(name, src.objects, ctx.kubectl, (t) => kubectlWrite(how, { ...ctx, kubeconfig: t.kubeconfig })),
      );
    }
  }
  process.stdout.write(`\n${report(rows)}\n`);
}

async function kubectlPath() {
  const { ensureBinary } = await import("@kubedump/testenv");
  return ensureBinary("kubectl");
}

function report(rows) {
  const lines = [`${N.toLocaleString("en-US")} objects over ${K} namespaces, each method into a fresh empty cluster`];
  lines.push("method                                        seconds   objects/s   peak RSS   exit");
  for (const r of rows) {
    const rss = r.maxRss === undefined ? "-" : `${fmt.mib(r.maxRss)} MiB`;
    lines.push(
      `${r.name.padEnd(44)}  ${r.seconds.toFixed(1).padStart(7)}   ${String(Math.round(r.rate)).padStart(9)}   ${rss.padStart(8)}   ${r.code ?? "-"}`,
    );
    if (r.name === "kubedump restore")
      lines.push(
        `    ${(r.rate / rows[0].rate).toFixed(2)}x the first write ceiling, ${(r.rate / rows[2].rate).toFixed(2)}x the second`,
      );
    if (r.counts)
      lines.push(
        `    ${Object.entries(r.counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(", ")}`,
      );
  }
  return lines.join("\n");
}

runBench(main, cleanup);
