// Preload (node --require, test/bench/experiments/full-backup-rounds.mjs): at exit, the main thread's
// CPU (/proc/self/task/<pid>/stat) and GC time, the whole process's CPU, each thread's CPU (in the
// order they started: the main thread, V8's, libuv's pool, workers) and the main thread's GC pauses
// by kind, on stderr. Linux only.
const { isMainThread } = require("node:worker_threads");
if (isMainThread) {
  const { processCpuSeconds, threadCpuSeconds, threadsCpuSeconds } = require("./thread-cpu.cjs");
  const pauses = require("./gc-pauses.cjs").gcPauses();
  process.on("exit", () => {
    const main = threadCpuSeconds();
    const all = processCpuSeconds();
    const threads = threadsCpuSeconds().map((s) => s.toFixed(2));
    const gcs = Object.entries(pauses.kinds).map(([k, n]) => `${k}:${n}`);
    process.stderr.write(
      `F2FULL main=${main.toFixed(2)} all=${all.toFixed(2)} gc=${pauses.seconds.toFixed(2)} threads=${threads.join(",")} gcs=${gcs.join(",")}\n`,
    );
  });
}
