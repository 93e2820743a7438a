// Shared helpers of the dump benchmark (test/bench/dump.mjs), the replay bench and their measurement children.
import { spawn } from "node:child_process";
import threadCpu from "./thread-cpu.cjs";

export const MiB = 1024 * 1024;

/** CPU seconds (user + system) this process used so far, its thread pool (zlib, crypto, fs) included. */
export function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const { threadCpuSeconds, threadsCpuSeconds } = threadCpu;
/** CPU seconds of one thread, and of each thread, of this process (lib/thread-cpu.cjs). */
export { threadCpuSeconds, threadsCpuSeconds };

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The marker a child prints before its one-line JSON result on stdout. */
export const RESULT_MARKER = "BENCH_RESULT ";

/** maxRSS of this process in bytes (process.resourceUsage() reports KiB). */
export const maxRssBytes = () => process.resourceUsage().maxRSS * 1024;

/**
 * Samples heap, external and arrayBuffers memory every `everyMs` and keeps the peaks, so a child
 * can say where its RSS went. maxRSS itself comes from the kernel and misses nothing.
 */
export function memorySampler(everyMs = 50) {
  const peak = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    for (const k of Object.keys(peak)) if (m[k] > peak[k]) peak[k] = m[k];
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { ...peak };
    },
  };
}

/** Prints the result for the parent and exits. */
export function emitResult(result) {
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

/** The JSON config a child gets as its one argument. */
export function childConfig() {
  const arg = process.argv[2];
  if (!arg) throw new Error("usage: a measurement child takes its config as one JSON argument");
  return JSON.parse(arg);
}

export const fmt = {
  n: (v) => (v === undefined || v === null || Number.isNaN(v) ? "n/a" : Math.round(v).toLocaleString("en-US")),
  f: (v, d = 1) => (v === undefined || v === null || Number.isNaN(v) ? "n/a" : v.toFixed(d)),
  mib: (bytes) => (bytes === undefined || bytes === null ? "n/a" : (bytes / MiB).toFixed(0)),
};

/**
 * Runs a measurement child (`node [nodeArgs] script '<cfg JSON>'`) and resolves with its result.
 * `track` is told the child process while it runs, and undefined after, for a cleanup on Ctrl-C.
 */
export async function runMeasurement(script, cfg, { nodeArgs = [], cwd, track = () => {} } = {}) {
  const { code, signal, text } = await runCollecting(
    process.execPath,
    [...nodeArgs, script, JSON.stringify(cfg)],
    { stdio: ["ignore", "pipe", "inherit"], cwd },
    "stdout",
    track,
  );
  const line = text.split("\n").find((l) => l.startsWith(RESULT_MARKER));
  if (code !== 0 || !line)
    throw new Error(`${script} exited ${code ?? signal}${line ? "" : " without a result"}: ${text.slice(-1000)}`);
  return JSON.parse(line.slice(RESULT_MARKER.length));
}

/**
 * Spawns `command` (spawned before this returns), collects its `stream` ("stdout" or "stderr",
 * piped in `options.stdio`) and resolves once it exited with its code, signal and that text.
 * `track` is told the child process while it runs, and undefined after, for a cleanup on Ctrl-C.
 */
export function runCollecting(command, argv, options, stream, track = () => {}) {
  return new Promise((done, fail) => {
    const child = spawn(command, argv, options);
    track(child);
    let text = "";
    child[stream].on("data", (c) => {
      text += c;
    });
    child.on("error", fail);
    child.on("exit", (code, signal) => {
      track(undefined);
      done({ code, signal, text });
    });
  });
}

/** Runs a benchmark's main, then its cleanup whether it failed or not, and exits 0 or 1. */
export function runBench(main, cleanup) {
  main().then(
    async () => {
      await cleanup();
      process.exit(0);
    },
    async (err) => {
      console.error(`bench: ${err instanceof Error ? err.stack : String(err)}`);
      await cleanup();
      process.exit(1);
    },
  );
}
