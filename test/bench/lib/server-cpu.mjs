// CPU used by the API server and etcd during a measurement, when they run on this machine (Linux):
// on a small box they share the cores with the client, so their CPU is part of the story.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

let ticks;
function clockTicks() {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

const cmdline = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return [];
  }
};

/**
 * The local kube-apiserver serving `serverUrl` (matched by --secure-port) and the etcd behind it
 * (matched by its client URL), or [] when they are not local processes.
 */
export function findLocalServers(serverUrl) {
  let url;
  try {
    url = new URL(serverUrl);
  } catch {
    return [];
  }
  if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) return [];
  let pids;
  try {
    pids = readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
  const found = [];
  let etcdUrls = [];
  for (const pid of pids) {
    const args = cmdline(pid);
    if (!args.some((a) => a.endsWith("kube-apiserver")) || !args.includes(`--secure-port=${url.port}`)) continue;
    found.push({ name: "kube-apiserver", pid });
    etcdUrls = (args.find((a) => a.startsWith("--etcd-servers=")) ?? "")
      .slice("--etcd-servers=".length)
      .split(",")
      .filter(Boolean);
  }
  for (const pid of etcdUrls.length ? pids : []) {
    const args = cmdline(pid);
    if (args.some((a) => a.endsWith("etcd")) && etcdUrls.some((u) => args.includes(`--listen-client-urls=${u}`)))
      found.push({ name: "etcd", pid });
  }
  return found;
}

/** User + system CPU seconds of these processes so far. */
export function cpuOf(servers) {
  let total = 0;
  for (const { pid } of servers) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / clockTicks(); // utime, stime
    } catch {
      // gone
    }
  }
  return total;
}

/**
 * Busy CPU seconds of the whole machine so far, every core and process (/proc/stat: user, nice,
 * system, irq, softirq, steal), or undefined off Linux: what else ran during a measurement.
 */
export function machineCpu() {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return (user + nice + system + irq + softirq + (steal ?? 0)) / clockTicks();
  } catch {
    return undefined;
  }
}

/**
 * Pages of files read back into the page cache after the kernel had dropped them, so far
 * (/proc/vmstat `workingset_refault_file`), or undefined off Linux: a measurement that reads files
 * the cache lost (MinIO's, or node's own) waits for the disk, however fast its code.
 */
export function pageRefaults() {
  try {
    const found = /^workingset_refault_file (\d+)$/m.exec(readFileSync("/proc/vmstat", "utf8"));
    return found ? Number(found[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits, `mostMs` at most, until the whole machine used under `share` of one core for a second
 * (machineCpu): a measurement then starts without another process's work left over from the one
 * before (a server's collection, a store's background scan). Resolves with the ms waited.
 */
export async function untilQuiet({ share = 0.1, mostMs = 30_000 } = {}) {
  const start = performance.now();
  for (;;) {
    const before = machineCpu();
    if (before === undefined) return 0;
    await sleep(1000);
    const waited = performance.now() - start;
    if (machineCpu() - before < share || waited >= mostMs) return waited;
  }
}

/** Resident memory of these processes now, in bytes. */
export function rssOf(servers) {
  let total = 0;
  for (const { pid } of servers) {
    try {
      const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

/**
 * Garbage collections kube-apiserver has done so far (`go_gc_duration_seconds_count` from its
 * /metrics) and the bytes it has allocated (`go_memstats_alloc_bytes_total`), or undefined when the
 * metrics cannot be read (RBAC, another server). One collection of a cluster's worth of cached
 * objects takes about 0.1–0.2 s of a 20,000-object LIST here, and about 2 CPU-s at 100,000 objects
 * on 2 cores (docs/benchmarks.md), so the benches note in which measurement each one fell, and
 * what each measurement had the server allocate (the collections come once per so many bytes).
 */
export async function apiServerGoStats(client) {
  try {
    const text = (await client.requestBody("GET", "/metrics", { accept: "text/plain" })).toString("utf8");
    const gc = text.match(/^go_gc_duration_seconds_count (\d+)$/m);
    const allocated = text.match(/^go_memstats_alloc_bytes_total (\S+)$/m);
    if (!gc) return undefined;
    return { gcCycles: Number(gc[1]), allocated: allocated ? Number(allocated[1]) : undefined };
  } catch {
    return undefined;
  }
}
