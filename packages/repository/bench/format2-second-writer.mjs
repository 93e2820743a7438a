#!/usr/bin/env node
// The format-2 writer's own cost in a second backup (1% changed), without the API server: a first
// snapshot of N objects of the dump benchmark's mix (format2-objects.mjs) into a local repository
// with a reuse key (not timed), then rounds of a second snapshot as takeSnapshotV2 makes it: the
// index and the reuse table loaded, every unchanged object found in the table and added as reused
// (pages of 2,000, the metadata listing's), the changed 1% added with new YAML, then the commit
// (tree patch, reuse table saved). Prints, per phase, wall ms and main-thread CPU ms, and GC.
//
//   npm run build && node packages/repository/bench/format2-second-writer.mjs [N] [--rounds R] [--root CHECKOUT]
//
// `--root` takes the build of another checkout (e.g. the code before a change), to compare side by side.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { benchDraftV2, benchObject } from "./format2-objects.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args.splice(i, 2)[1];
};
const ROUNDS = Number(option("rounds", 3));
const ROOT = resolve(option("root", new URL("../../..", import.meta.url).pathname));
const N = Number(args[0] ?? 100_000);
const PAGE = 2000;
const KEY = "bench";
const dist = (path) => import(pathToFileURL(join(ROOT, "packages/repository/dist", path)).href);
const { SnapshotWriterV2 } = await dist("format2/snapshot-writer.js");
const { loadBlobIndex } = await dist("format2/index-loader.js");
const { ReuseTable } = await dist("format2/reuse-table.js");
const { createLocalObjectStore } = await dist("stores/local-object-store.js");

/** The main thread's CPU ms so far (Linux: /proc/self/task/<pid>/stat, in ticks of 10 ms). */
function mainCpu() {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ["gc"] });

const objects = Array.from({ length: N }, (_, i) => benchObject(i, 10));
const draft = (n) => benchDraftV2(`20261126T${String(n).padStart(2, "0")}0000Z-0badcafe`);
const dir = await mkdtemp(join(tmpdir(), "kubedump-second-writer-"));
const store = createLocalObjectStore({ root: join(dir, "repo") });
const cacheDir = join(dir, "cache");
/** Object i's resourceVersion: bumped in the rounds it changes (every 100th, shifted by the round). */
const version = Array.from({ length: N }, (_, i) => 100000 + i);

async function writer() {
  const { index, listing } = await loadBlobIndex({ store, keys: null, cacheDir });
  const table = await ReuseTable.load({ cacheDir, keys: null, key: KEY }, index);
  const w = new SnapshotWriterV2({
    store,
    keys: null,
    index,
    indexListing: listing,
    indexCacheDir: cacheDir,
    reuse: { key: KEY, table },
  });
  return w;
}

const input = (i, round) => {
  const { record, data } = benchObject(i, 10);
  const changed = round > 0 ? Buffer.from(`${data.toString()}# round ${round}\n`) : data;
  return {
    record: { ...record, sha256: "", bytes: changed.length },
    data: changed,
    resourceVersion: String(version[i]),
  };
};

try {
  const first = await writer();
  for (let i = 0; i < N; i += 500)
    await first.add(Array.from({ length: Math.min(500, N - i) }, (_, k) => input(i + k, 0)));
  await first.commit(draft(1));
  const rows = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (let i = round % 100; i < N; i += 100) version[i] += N;
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20)); // the forced collection's entry comes in before the marks
    const marks = [[performance.now(), mainCpu(), gcMs]];
    const mark = () => marks.push([performance.now(), mainCpu(), gcMs]);
    const w = await writer();
    mark();
    let reused = 0;
    for (let i = 0; i < N; i += PAGE) {
      const batch = [];
      const changed = [];
      for (let k = i; k < Math.min(i + PAGE, N); k++) {
        const { record } = objects[k];
        const found = w.findReusable(record, String(version[k]));
        if (!found) {
          changed.push(k);
          continue;
        }
        const { blob, sha256, bytes, entry } = found;
        batch.push({ record: { ...record, sha256, bytes }, blob, resourceVersion: String(version[k]), entry });
      }
      w.addReused(batch);
      reused += batch.length;
      if (changed.length) await w.add(changed.map((k) => input(k, round)));
    }
    mark();
    await w.commit(draft(round + 1));
    mark();
    const phase = (a, b) => ({
      ms: Math.round(marks[b][0] - marks[a][0]),
      cpu: marks[b][1] - marks[a][1],
      gc: Math.round(marks[b][2] - marks[a][2]),
    });
    rows.push({ round, reused, load: phase(0, 1), adds: phase(1, 2), commit: phase(2, 3), all: phase(0, 3) });
  }
  const fmt = ({ ms, cpu, gc }) => `${ms} ms (CPU ${cpu}, GC ${gc})`;
  process.stdout.write(`${ROOT}: ${N} objects, second backups (1% changed)\n`);
  for (const r of rows)
    process.stdout.write(
      `  round ${r.round}: reused ${r.reused}; load ${fmt(r.load)}; adds ${fmt(r.adds)}; commit ${fmt(r.commit)}; all ${fmt(r.all)}\n`,
    );
} finally {
  await rm(dir, { recursive: true, force: true });
}
