// Preload (node --require, test/bench/experiments/full-backup-rounds.mjs): at exit, the main thread's
// CPU (/proc/self/task/<pid>/stat) and GC time, and the whole process's CPU, on stderr. Linux only.
const { isMainThread } = require("node:worker_threads");
if (isMainThread) {
  const { readFileSync } = require("node:fs");
  const { PerformanceObserver } = require("node:perf_hooks");
  let gc = 0;
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) gc += e.duration;
  }).observe({ entryTypes: ["gc"] });
  const ticks = (stat) => {
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  process.on("exit", () => {
    const main = ticks(readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8"));
    const all = ticks(readFileSync("/proc/self/stat", "utf8"));
    process.stderr.write(`F2FULL main=${main.toFixed(2)} all=${all.toFixed(2)} gc=${(gc / 1000).toFixed(2)}\n`);
  });
}
