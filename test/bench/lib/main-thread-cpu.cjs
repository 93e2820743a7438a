// Preload (node --require, test/bench/experiments/full-backup-rounds.mjs): at exit, the main thread's
// CPU (/proc/self/task/<pid>/stat) and GC time, the whole process's CPU, each thread's CPU (in the
// order they started: the main thread, V8's, libuv's pool, workers) and the main thread's GC pauses
// by kind, on stderr. Linux only.
const { isMainThread } = require("node:worker_threads");
if (isMainThread) {
  const { readdirSync, readFileSync } = require("node:fs");
  const { constants, PerformanceObserver } = require("node:perf_hooks");
  const KINDS = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
    [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
  };
  const kinds = {};
  let gc = 0;
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) {
      gc += e.duration;
      const kind = KINDS[e.detail?.kind] ?? "other";
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
  }).observe({ entryTypes: ["gc"] });
  const ticks = (stat) => {
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  process.on("exit", () => {
    const main = ticks(readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8"));
    const all = ticks(readFileSync("/proc/self/stat", "utf8"));
    const threads = readdirSync("/proc/self/task")
      .map(Number)
      .sort((a, b) => a - b)
      .map((tid) => ticks(readFileSync(`/proc/self/task/${tid}/stat`, "utf8")).toFixed(2));
    const gcs = Object.entries(kinds).map(([k, n]) => `${k}:${n}`);
    process.stderr.write(
      `F2FULL main=${main.toFixed(2)} all=${all.toFixed(2)} gc=${(gc / 1000).toFixed(2)} threads=${threads.join(",")} gcs=${gcs.join(",")}\n`,
    );
  });
}
