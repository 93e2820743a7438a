// The load of the gateway benchmark (test/bench/gateway.mjs): the bodies pushed, the pushing
// clients, the scrapes, and the peak RSS of a server process.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { backupMetricFamilies, renderTextFormat, TEXT_FORMAT_CONTENT_TYPE } from "@kubedump/metrics";
import { median } from "./common.mjs";

/** What the dump worker pushes after a backup (ten gauges), for the group `n`. */
export function backupPushBody(n) {
  const families = backupMetricFamilies({
    labels: { invokerKind: "BackupConfiguration", invokerName: `nightly-${n}`, namespace: "bench", repository: "s3" },
    values: {
      sessionSuccess: true,
      sessionDurationSeconds: 12.5 + (n % 7),
      lastSuccessTimeSeconds: 1_764_122_400 + n,
      objectsTotal: 1000 + n,
      dataSizeBytes: 4_000_000 + n,
      dataUploadedBytes: 1_000_000 + n,
      repositorySnapshotCount: 5,
      repositorySizeBytes: 20_000_000 + n,
      repositorySnapshotCleaned: 1,
      repositoryIntegrity: true,
    },
  });
  return renderTextFormat(families);
}

const groupPath = (n) => `/metrics/job/kubedump-bench/instance/group-${n}`;

async function pushOnce(url, n) {
  const res = await fetch(`${url}${groupPath(n)}`, {
    method: "PUT",
    body: backupPushBody(n),
    headers: { "content-type": TEXT_FORMAT_CONTENT_TYPE },
  });
  await res.arrayBuffer();
  if (res.status !== 200 && res.status !== 202) throw new Error(`PUT ${groupPath(n)}: HTTP ${res.status}`);
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/**
 * `clients` concurrent clients, each pushing one after another: its i-th push goes to the group
 * `next(client, i, elapsedMs)`, and it stops when that is undefined. Pushes per second and the
 * latency percentiles in ms. `progress(done)` is called every 10 s when given.
 */
export async function pushLoad(url, { clients, next, progress }) {
  const latencies = [];
  let done = 0;
  const started = performance.now();
  const timer = progress && setInterval(() => progress(done), 10_000);
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; ; i++) {
        const group = next(client, i, performance.now() - started);
        if (group === undefined) return;
        const t = performance.now();
        await pushOnce(url, group);
        latencies.push(performance.now() - t);
        done++;
      }
    }),
  ).finally(() => clearInterval(timer));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    pushes: done,
    seconds,
    rate: done / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** `count` scrapes of /metrics one after another: median and slowest time in ms, the size, the groups. */
export async function scrapeTimes(url, count) {
  const times = [];
  let bytes = 0;
  let samples = 0;
  let groups = 0;
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const res = await fetch(`${url}/metrics`);
    const text = await res.text();
    times.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`GET /metrics: HTTP ${res.status}`);
    bytes = Buffer.byteLength(text);
    const lines = text.split("\n");
    samples = lines.filter((l) => l !== "" && !l.startsWith("#")).length;
    groups = lines.filter((l) => l.startsWith("push_time_seconds{")).length;
  }
  return { median: median(times), max: Math.max(...times), bytes, samples, groups };
}

/** The peak resident set of a running process (VmHWM, Linux), in bytes. */
export function peakRss(pid) {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : undefined;
}
