// CPU seconds per thread of this process (Linux: /proc/self/task/<tid>/stat, in ticks of 10 ms).
// CommonJS, so that the preload main-thread-cpu.cjs and the ESM helpers (common.mjs) share it.
const { readdirSync, readFileSync } = require("node:fs");

/** User + system seconds in one /proc stat line (fields 14 and 15; the name may hold spaces). */
function statSeconds(stat) {
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** CPU seconds (user + system) of one thread of this process so far; by default the main thread's. */
function threadCpuSeconds(tid = process.pid) {
  return statSeconds(readFileSync(`/proc/self/task/${tid}/stat`, "utf8"));
}

/** CPU seconds of each thread of this process, in the order they started (the main thread first). */
function threadsCpuSeconds() {
  return readdirSync("/proc/self/task")
    .map(Number)
    .sort((a, b) => a - b)
    .map((tid) => threadCpuSeconds(tid));
}

/** CPU seconds of the whole process, every thread included (/proc/self/stat). */
function processCpuSeconds() {
  return statSeconds(readFileSync("/proc/self/stat", "utf8"));
}

module.exports = { threadCpuSeconds, threadsCpuSeconds, processCpuSeconds };
