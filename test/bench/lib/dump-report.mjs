// The dump benchmark's report (test/bench/dump.mjs): the table, the targets and the notes under them.
import os from "node:os";
import { DEFAULT_BURST, DEFAULT_QPS } from "@kubedump/kube";
import { fmt, MiB, median } from "./common.mjs";
import { combine, perRunLines, pooledRatio } from "./run-stats.mjs";

/**
 * The report of the measurements in `results` (raw, kubedump, cli, kubectl: the runs of each), as
 * printed: `text`, and the parts the JSON file keeps (rows, targets, machine, load). `options` are
 * the benchmark's (parseDumpOptions), `external` whether the cluster is KUBECONFIG's, `seeding` the
 * seeding's figures if it seeded, `loadBefore` the load average before the measurements.
 */
export function formatReport({ results, options, external, seeding, loadBefore }) {
  const { args, N, K, RUNS } = options;
  const rows = rowsOf(results, options);
  const [, kd] = rows;
  const kc = rows.find((r) => r.name.startsWith("kubectl"));
  const targets = targetsOf(kd, "kubedump", { raw: results.raw, kc, RUNS });

  const machine = `${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
  const load = `load average (1 min) ${loadBefore.toFixed(1)} before the measurements, ${os.loadavg()[0].toFixed(1)} after`;
  const lines = [
    "",
    `kubedump dump benchmark: ${N.toLocaleString("en-US")} objects seeded over ${K} namespaces${external ? ` (existing cluster${args.seed ? ", seeded" : ""})` : ""}; ${machine}; runs ${RUNS}${RUNS > 1 ? " (median time)" : ""}`,
    load,
    ...(seeding
      ? [
          `seeding: ${seeding.seconds.toFixed(1)} s, ${Math.round(seeding.rate)} objects/s (CPU: seeder ${seeding.cpu.toFixed(1)} s, server ${fmt.f(seeding.serverCpu, 1)} s)`,
        ]
      : []),
    "",
    `${"measurement".padEnd(44)} ${"objects".padStart(9)} ${"seconds".padStart(8)} ${"best s".padStart(7)} ${"objects/s".padStart(10)} ${"MB/s".padStart(7)} ${"peak RSS MiB".padStart(12)} ${"client CPU s".padStart(12)} ${"server CPU s".padStart(12)}`,
    ...rows.map(
      (r) =>
        `${r.name.padEnd(44)} ${fmt.n(r.objects).padStart(9)} ${fmt.f(r.seconds, 2).padStart(8)} ${fmt.f(Math.min(...r.allSeconds), 2).padStart(7)} ${fmt.n(r.rate).padStart(10)} ${fmt.f(r.mbps, 1).padStart(7)} ${fmt.mib(r.maxRss).padStart(12)} ${fmt.f(r.cpu, 1).padStart(12)} ${fmt.f(r.serverCpu, 1).padStart(12)}`,
    ),
    "",
    ...(RUNS > 1
      ? [
          "seconds, objects/s, MB/s and the kubectl ratio: the median run; best s: the fastest run; peak RSS: the highest run;",
          "the raw LIST ratio: pooled, total objects over total seconds of all runs of each.",
        ]
      : []),
    "MB/s: JSON bytes received for the raw LIST, YAML bytes produced for kubedump and kubectl (1 MB = 10^6 bytes).",
    "client CPU: user+system of the measuring process (kubectl: summed over its calls); server CPU: kube-apiserver + etcd, when local.",
    `kubedump YAML ${fmt.f(kd.bytes / 1e6, 1)} MB, stored ${fmt.f(kd.runs[0].storedBytes / 1e6, 1)} MB compressed; time until the last object was archived ${fmt.f(median(kd.runs.map((r) => r.dumpSeconds)), 2)} s.`,
    "",
    ...targets.map(
      (t) =>
        `${t.what.padEnd(34)} ${String(t.value).padStart(9)}   target ${t.target.padEnd(9)} ${t.met ? "met" : "MISSED"}`,
    ),
    ...(RUNS > 1 ? perRunLines(results.raw, results.kubedump) : []),
    "",
    'Peak RSS "not growing with N": compare runs at different --objects (docs/benchmarks.md).',
    "",
  ];
  return { rows, targets, machine, load, text: lines.join("\n") };
}

/** One row a measurement: its runs combined, named with what sets it apart (rate limit, kubectl's scope). */
function rowsOf(results, { args, QPS, BURST }) {
  const qpsLabel =
    QPS === undefined
      ? `default qps ${DEFAULT_QPS}/burst ${DEFAULT_BURST}`
      : QPS === 0
        ? "qps unlimited"
        : `qps ${QPS}/burst ${BURST ?? DEFAULT_BURST}`;
  return [
    combine("raw paged LIST (ceiling)", results.raw),
    combine(`kubedump (${qpsLabel})`, results.kubedump),
    ...(results.cli.length ? [combine("kubedump CLI (wall, incl. start)", results.cli)] : []),
    ...(results.kubectl.length
      ? [
          combine(
            `kubectl get -o yaml (${args["kubectl-scope"] === "all" ? "-A" : "-n"}, ${results.kubectl[0].calls} calls)`,
            results.kubectl,
          ),
        ]
      : []),
  ];
}

const rssTarget = 300 * MiB;

/**
 * A row's targets: its rate to the raw LIST's and to kubectl's (`kc`, the kubectl row if any),
 * and its peak RSS. The raw LIST ratio is of the rate over all runs (total objects over total time
 * of each side): a kube-apiserver GC cycle falls in about one measurement of two, either side's,
 * so single runs and their median swing between two modes (docs/benchmarks.md), while the pooled
 * rate charges each side its share.
 */
function targetsOf(row, label, { raw, kc, RUNS }, pooled = pooledRatio(raw, row.runs)) {
  return [
    {
      what: `${label} / raw LIST${RUNS > 1 ? " (pooled)" : ""}`,
      value: pooled.toFixed(2),
      target: ">= 0.70",
      met: pooled >= 0.7,
    },
    ...(kc
      ? [
          {
            what: `${label} / kubectl`,
            value: (row.rate / kc.rate).toFixed(1),
            target: ">= 5",
            met: row.rate / kc.rate >= 5,
          },
        ]
      : []),
    {
      what: `${label} peak RSS`,
      value: `${fmt.mib(row.maxRss)} MiB`,
      target: "< 300 MiB",
      met: row.maxRss < rssTarget,
    },
  ];
}
