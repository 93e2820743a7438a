// Preload (node --require, test/bench/experiments/full-backup-rounds.mjs): at exit, the main thread's
// CPU (/proc/self/task/<pid>/stat) and GC time, the whole process's CPU, each thread's CPU (in the
// order they started: the main thread, V8's, libuv's pool, workers) and the main thread's GC pauses
// by kind, on stderr. Linux only.
const { isMainThread } = require("node:worker_threads");
if (isMainThread) {
  const { readdirSync, readFileSync } = require("node:fs");
  const pauses = require("./gc-pauses.cjs").gcPauses();
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
    const gcs = Object.entries(pauses.kinds).map(([k, n]) => `${k}:${n}`);
    process.stderr.write(
      `F2FULL main=${main.toFixed(2)} all=${all.toFixed(2)} gc=${pauses.seconds.toFixed(2)} threads=${threads.join(",")} gcs=${gcs.join(",")}\n`,
    );
  });
}
