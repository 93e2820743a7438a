// The runs of a measurement of the dump benchmark (test/bench/dump.mjs), combined and compared.
import { median } from "./common.mjs";

/** The rate ratio of each run of `b` to the run of `a` measured beside it. */
function pairRatios(a, b) {
  return b.map((r, i) => r.objects / r.seconds / (a[i].objects / a[i].seconds));
}

/** kubedump / raw LIST per run, with the API server's GC cycles in each, and of the median runs. */
export function perRunLines(raw, kd) {
  const gc = raw.every((r) => r.serverGc !== undefined) && kd.every((r) => r.serverGc !== undefined);
  const perRun = pairRatios(raw, kd).map(
    (r, i) => `${r.toFixed(2)}${gc ? ` (${raw[i].serverGc}/${kd[i].serverGc})` : ""}`,
  );
  const median = combine("", kd).rate / combine("", raw).rate;
  return [
    `kubedump / raw LIST per run (ABBA order${gc ? "; in brackets the API server's GC cycles during raw/kubedump" : ""}): ${perRun.join(" ")}`,
    `kubedump / raw LIST of the median runs: ${median.toFixed(2)}`,
  ];
}

/** kubedump's rate over all its runs to the raw LIST's: total objects over total seconds, each. */
export function pooledRatio(raw, kd) {
  const rate = (runs) => runs.reduce((n, r) => n + r.objects, 0) / runs.reduce((s, r) => s + r.seconds, 0);
  return rate(kd) / rate(raw);
}

/** Combines the runs of one measurement: median time, its objects/bytes, the highest peak RSS. */
export function combine(name, runs) {
  const seconds = median(runs.map((r) => r.seconds));
  const { objects, bytes } = runs[0];
  const rss = runs.map((r) => r.maxRss).filter((x) => x !== undefined);
  const med = (k) => (runs.every((r) => r[k] !== undefined) ? median(runs.map((r) => r[k])) : undefined);
  return {
    name,
    objects,
    bytes,
    seconds,
    rate: objects / seconds,
    mbps: bytes / 1e6 / seconds,
    maxRss: rss.length ? Math.max(...rss) : undefined,
    cpu: med("cpu"),
    serverCpu: med("serverCpu"),
    allSeconds: runs.map((r) => r.seconds),
    runs,
  };
}
