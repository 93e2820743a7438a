#!/usr/bin/env node
// The format-2 snapshot writer's own cost in a full backup, without the API server: N objects of
// the dump benchmark's mix (format2-objects.mjs), made beforehand, added a page of 500 at a time
// (fresh records, as the dump gives them) into a local repository with a reuse key, then
// committed. Prints the wall time and main-thread CPU of the adds and of the commit, the process's CPU, the time
// spent in garbage collection, and the heap once every object is added.
//
//   npm run build && node packages/repository/bench/format2-writer-cpu.mjs [N] [--unsorted]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";
import { BlobIndex, SnapshotWriterV2 } from "../dist/format2/index.js";
import { ReuseTable } from "../dist/format2/reuse-table.js";
import { createLocalObjectStore } from "../dist/stores/local-object-store.js";
import { benchDraftV2, benchObject } from "./format2-objects.mjs";

const N = Number(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? 100_000);
/** The main thread's CPU seconds so far (Linux: /proc/self/task/<pid>/stat, in ticks of 10 ms). */
function mainCpu() {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const PAGE = 500;
const objects = Array.from({ length: N }, (_, i) => {
  const { record, data } = benchObject(i, 10);
  return { record: { ...record, sha256: "" }, data, resourceVersion: String(100000 + i) };
});
// In the order a LIST of each type across the namespaces gives them (etcd's key order), as a
// backup adds them; --unsorted keeps the order they were made in.
const key = ({ record: r }) => `${r.resource}.${r.group}\u0000${r.namespace ?? ""}\u0000${r.name}`;
if (!process.argv.includes("--unsorted"))
  objects.sort((a, b) => Buffer.compare(Buffer.from(key(a)), Buffer.from(key(b))));
const dir = await mkdtemp(join(tmpdir(), "kubedump-writer-cpu-"));
let gcMs = 0;
let gcs = 0;
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    gcs += 1;
  }
});
try {
  globalThis.gc?.();
  observer.observe({ entryTypes: ["gc"] });
  const writer = new SnapshotWriterV2({
    store: createLocalObjectStore({ root: join(dir, "repo") }),
    keys: null,
    index: new BlobIndex(),
    indexCacheDir: join(dir, "cache"),
    reuse: { key: "bench", table: ReuseTable.empty() },
  });
  const cpu0 = process.cpuUsage();
  const main0 = mainCpu();
  const t0 = performance.now();
  for (let i = 0; i < N; i += PAGE) {
    const page = objects.slice(i, i + PAGE).map(({ record, ...rest }) => ({ record: { ...record }, ...rest }));
    await writer.add(page);
  }
  const t1 = performance.now();
  const main1 = mainCpu();
  const heap = process.memoryUsage().heapUsed;
  await writer.commit(benchDraftV2("20261126T020000Z-0badcafe"));
  const t2 = performance.now();
  const main2 = mainCpu();
  const cpu = process.cpuUsage(cpu0);
  await new Promise((resolve) => setTimeout(resolve, 10));
  observer.disconnect();
  const mib = (b) => (b / 2 ** 20).toFixed(0);
  process.stdout.write(
    `${N} objects: adds ${((t1 - t0) / 1000).toFixed(2)} s (main thread ${(main1 - main0).toFixed(2)} CPU-s), ` +
      `commit ${((t2 - t1) / 1000).toFixed(2)} s (main thread ${(main2 - main1).toFixed(2)} CPU-s), ` +
      `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (all threads), GC ${(gcMs / 1000).toFixed(2)} s in ${gcs}, ` +
      `heap after the adds ${mib(heap)} MiB, peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
