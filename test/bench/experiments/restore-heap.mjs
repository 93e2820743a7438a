#!/usr/bin/env node
// Experiment (not a benchmark of record): what a restore's reads hold, format 1 against format 2,
// no cluster and no MinIO. Writes --hours format-2 snapshots of --objects synthetic objects and
// the last one as a format-1 snapshot, in local directories (lib/synthetic-repository.mjs), then
// runs restore-heap-child.mjs on each format's last snapshot with the code of each checkout of
// --roots (built): the restore's check (verify of the snapshot alone), its index read, its plan
// and every step's objects read, as restoreSnapshot does them, and after each the heap that
// survives a full collection, the CPU-s so far and the hidden classes (V8 Maps) the index records
// have between them; then the peak RSS. A record of format 2 made by `{ ...record, part }` got a
// hidden class of its own (docs/decisions.md).
//   node test/bench/experiments/restore-heap.mjs --objects 100000 --hours 30
//   node test/bench/experiments/restore-heap.mjs --roots .,/work/wt/base --rounds 2
import { mkdtempSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs } from "../lib/bench-args.mjs";
import { createCleanup } from "../lib/cleanup.mjs";
import { MiB, median, runBench, runMeasurement } from "../lib/common.mjs";
import { writeSyntheticRepositories } from "../lib/synthetic-repository.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../../..");
const HELP = `usage: node test/bench/experiments/restore-heap.mjs [options]
  --objects N   objects of each snapshot (default 100000)
  --hours H     format-2 snapshots, 1% changed before each after the first (default 30)
  --rounds R    reads of each format by each checkout, medians printed (default 1)
  --roots A,B   checkouts whose code reads (default this one; this one writes the repositories)
  --dir DIR     where the repositories go (default a new directory in /dev/shm)`;
const { args, int } = benchArgs(
  {
    objects: { type: "string", default: "100000" },
    hours: { type: "string", default: "30" },
    rounds: { type: "string", default: "1" },
    roots: { type: "string", default: "." },
    dir: { type: "string", default: "/dev/shm" },
  },
  HELP,
);
const log = (m) => process.stderr.write(`exp: ${m}\n`);
const work = mkdtempSync(join(resolve(args.dir), "kubedump-restore-heap-"));
const { cleanup, track } = createCleanup({ work, log });
const PHASES = ["verify", "index", "plan", "steps"];

async function main() {
  const repos = { 1: join(work, "format1"), 2: join(work, "format2") };
  const { id } = await writeSyntheticRepositories({
    root: ROOT,
    objects: int("objects"),
    hours: int("hours"),
    repo: repos[2],
    repo1: repos[1],
    scratch: work,
    log,
  });
  const rows = new Map();
  for (let round = 0; round < int("rounds"); round++) {
    for (const root of args.roots.split(",").map((r) => resolve(r))) {
      for (const format of round % 2 ? [2, 1] : [1, 2]) {
        const label = `format ${format}${root === ROOT ? "" : `, ${root}`}`;
        const cfg = { root, repo: repos[format], id };
        const r = await runMeasurement(join(HERE, "restore-heap-child.mjs"), cfg, { nodeArgs: ["--expose-gc"], track });
        log(`round ${round + 1}: ${label}: ${JSON.stringify(r)}`);
        rows.set(label, [...(rows.get(label) ?? []), r]);
      }
    }
  }
  const out = [
    `${args.objects} objects, the last of ${args.hours} snapshots; heap after a full GC (MiB) and CPU-s after each phase; medians of ${args.rounds}`,
    `| reads of | ${PHASES.map((p) => `${p} heap | ${p} CPU-s`).join(" | ")} | record hidden classes | peak RSS MiB |`,
    `|---|${PHASES.map(() => "---:|---:").join("|")}|---:|---:|`,
  ];
  for (const [label, rs] of rows) {
    const m = (f) => median(rs.map(f));
    const cells = PHASES.map((p) => `${(m((r) => r.heap[p]) / MiB).toFixed(1)} | ${m((r) => r.cpu[p]).toFixed(2)}`);
    out.push(
      `| ${label} | ${cells.join(" | ")} | ${m((r) => r.recordMaps)} | ${(m((r) => r.maxRss) / MiB).toFixed(0)} |`,
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

runBench(main, cleanup);
