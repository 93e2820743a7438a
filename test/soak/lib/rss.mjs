// Memory of the soak's service processes every few seconds: RSS from /proc/<pid>/status (VmRSS),
// and the V8 heap in use from the process's own /metrics (prom-client's
// nodejs_heap_size_used_bytes), so a growing RSS can be told apart from a growing heap. Slopes are
// least squares in MiB per hour.
import { readFileSync } from "node:fs";
import { parseTextFormat } from "@kubedump/metrics";

const MiB = 1024 * 1024;

/** VmRSS of a live process in MiB, or undefined when it is gone. */
export function readRssMiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The HTTP port a service logged in its `… started` line (`"port":N`), once it has. */
function portOf(inc) {
  if (inc.port === undefined) {
    const started = readFileSync(inc.logFile, "utf8")
      .split("\n")
      .find((line) => /"msg":"[\w -]*started"/.test(line));
    const m = started && /"port":(\d+)/.exec(started);
    if (m) inc.port = Number(m[1]);
  }
  return inc.port;
}

/** The V8 heap in use of a service in MiB, from its /metrics; undefined when it does not answer. */
async function readHeapMiB(inc) {
  const port = portOf(inc);
  if (port === undefined) return undefined;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
    const family = parseTextFormat(await res.text()).find((f) => f.name === "nodejs_heap_size_used_bytes");
    return family?.samples[0] ? family.samples[0].value / MiB : undefined;
  } catch {
    return undefined;
  }
}

/** Least-squares slope of y over x; undefined with fewer than two distinct x. */
export function slope(points) {
  const n = points.length;
  if (n < 2) return undefined;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  return sxx === 0 ? undefined : sxy / sxx;
}

/**
 * Samples every live incarnation (ServiceSet incarnations: id, pid, logFile, endedAt) each
 * `everyMs`. `series()` gives per incarnation its samples ({ t ms, mib, heap }).
 */
export function createMemorySampler(incarnations, everyMs = 10_000) {
  const samples = new Map();
  const sampleOne = async (inc, t) => {
    const mib = readRssMiB(inc.pid);
    if (mib === undefined) return;
    const heap = await readHeapMiB(inc);
    if (!samples.has(inc.id)) samples.set(inc.id, []);
    samples.get(inc.id).push({ t, mib, heap });
  };
  const sample = () => {
    const t = Date.now();
    for (const inc of incarnations) if (inc.endedAt === undefined) void sampleOne(inc, t);
  };
  const timer = setInterval(sample, everyMs);
  sample();
  return {
    stop: () => clearInterval(timer),
    series: () => samples,
  };
}

/** Slope in MiB per hour of `pick` over an incarnation's samples (hours since its start). */
const slopeOf = (samples, startedAt, pick) =>
  slope(samples.filter((s) => pick(s) !== undefined).map((s) => ({ x: (s.t - startedAt) / 3_600_000, y: pick(s) })));

/**
 * One row per incarnation: samples, first, last and peak RSS, last heap, and the slopes of RSS
 * and heap in MiB per hour over the samples after `warmupMs` of its life (all samples when fewer
 * than three are left after it).
 */
export function memoryRows(incarnations, samples, warmupMs) {
  return incarnations.map((inc) => {
    const all = samples.get(inc.id) ?? [];
    const settled = all.filter((s) => s.t - inc.startedAt >= warmupMs);
    const used = settled.length >= 3 ? settled : all;
    return {
      id: inc.id,
      service: inc.service,
      samples: all.length,
      minutes: all.length ? (all.at(-1).t - all[0].t) / 60_000 : 0,
      first: all[0]?.mib,
      last: all.at(-1)?.mib,
      peak: all.length ? Math.max(...all.map((s) => s.mib)) : undefined,
      lastHeap: all.findLast((s) => s.heap !== undefined)?.heap,
      slopeMiBPerHour: slopeOf(used, inc.startedAt, (s) => s.mib),
      heapSlopeMiBPerHour: slopeOf(used, inc.startedAt, (s) => s.heap),
      warmupSkipped: used === settled,
      end: inc.stoppedBy === "SIGKILL" ? "SIGKILLed" : inc.stoppedBy ? "to the end" : `exited ${inc.exit}`,
    };
  });
}
