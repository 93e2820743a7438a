// RSS of the soak's service processes, read from /proc/<pid>/status (VmRSS) every few seconds,
// and the least-squares slope of each process's series in MiB per hour.
import { readFileSync } from "node:fs";

const KiB_PER_MiB = 1024;

/** VmRSS of a live process in MiB, or undefined when it is gone. */
export function readRssMiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / KiB_PER_MiB : undefined;
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
 * Samples every live incarnation's RSS each `everyMs` (ServiceSet incarnations: id, pid, endedAt).
 * `series()` gives per incarnation its samples ({ t ms, mib }).
 */
export function createRssSampler(incarnations, everyMs = 10_000) {
  const samples = new Map();
  const sample = () => {
    const t = Date.now();
    for (const inc of incarnations) {
      if (inc.endedAt !== undefined) continue;
      const mib = readRssMiB(inc.pid);
      if (mib === undefined) continue;
      if (!samples.has(inc.id)) samples.set(inc.id, []);
      samples.get(inc.id).push({ t, mib });
    }
  };
  const timer = setInterval(sample, everyMs);
  sample();
  return {
    stop: () => clearInterval(timer),
    series: () => samples,
  };
}

/**
 * One row per incarnation: samples, first, last and peak MiB, and the slope in MiB per hour over
 * the samples after `warmupMs` of its life (all samples when fewer than three are left after it).
 */
export function rssRows(incarnations, samples, warmupMs) {
  return incarnations.map((inc) => {
    const all = samples.get(inc.id) ?? [];
    const settled = all.filter((s) => s.t - inc.startedAt >= warmupMs);
    const used = settled.length >= 3 ? settled : all;
    const perHour = slope(used.map((s) => ({ x: (s.t - inc.startedAt) / 3_600_000, y: s.mib })));
    return {
      id: inc.id,
      service: inc.service,
      samples: all.length,
      minutes: all.length ? (all.at(-1).t - all[0].t) / 60_000 : 0,
      first: all[0]?.mib,
      last: all.at(-1)?.mib,
      peak: all.length ? Math.max(...all.map((s) => s.mib)) : undefined,
      slopeMiBPerHour: perHour,
      warmupSkipped: used === settled,
      end: inc.stoppedBy === "SIGKILL" ? "SIGKILLed" : inc.stoppedBy ? "to the end" : `exited ${inc.exit}`,
    };
  });
}
