// The table of test/bench/incremental.mjs: each figure, its target (issue 21) and PASS/MISS.
import { fmt, median } from "./common.mjs";
import { pooledRatio } from "./run-stats.mjs";

const mb = (bytes) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`;
const pct = (x) => `${(x * 100).toFixed(2)}%`;
const x = (v) => `${v.toFixed(2)}x`;
const verdict = (ok) => (ok ? "PASS" : "MISS");

/**
 * What the API server spent meanwhile (run.server, when it is a local process: incremental.mjs):
 * its and etcd's CPU-s, its GC cycles, the MiB it allocated. Its GC cycles come once per so many
 * bytes allocated, and one costs it about 2 CPU-s at 100,000 objects: on 2 shared cores, a
 * measurement into which one falls takes up to a second longer (docs/benchmarks.md).
 */
const SERVER_HEADER = ["API server CPU-s", "GC cycles", "allocated MiB"];
const serverCells = (run) => [
  run.server?.cpu === undefined ? "n/a" : fmt.f(run.server.cpu, 2),
  run.server?.gcCycles ?? "n/a",
  fmt.mib(run.server?.allocated),
];

/** A row of the throughput table: objects/s, MB/s, peak RSS, the ratio to the raw LIST and the API server's share. */
function rateRow(name, run, bytes, list) {
  const rate = run.objects / run.seconds;
  return [
    name,
    fmt.f(run.seconds, 2),
    fmt.n(rate),
    fmt.f(bytes / 1e6 / run.seconds, 1),
    fmt.mib(run.maxRss),
    x(rate / (list.objects / list.seconds)),
    ...serverCells(run),
  ];
}

function table(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  return all
    .map((r) =>
      r
        .map((c, i) => String(c).padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Format 1's repository after `hours` snapshots: measured up to its hours, then one more snapshot's upload an hour. */
function format1Total(f1, hours) {
  const measured = f1.snapshots.at(-1).total;
  const later = f1.snapshots.slice(1);
  const perHour = later.reduce((a, s) => a + s.uploaded, 0) / later.length;
  return { total: measured + perHour * (hours - f1.snapshots.length), projected: f1.snapshots.length < hours };
}

/** The figures, the side-by-side tables and the targets' table. */
export function formatIncrementalReport({
  N,
  K,
  HOURS,
  list,
  settleMs = 0,
  rounds = [],
  f1,
  f2,
  downloads,
  restores,
  loadStart,
  loadEnd,
  seeding,
}) {
  const [a1] = f1.snapshots;
  const [a2, b2] = f2.snapshots;
  const listRate = list.objects / list.seconds;
  const f1Hours = format1Total(f1, HOURS);
  const figures = {
    objects: N,
    namespaces: K,
    hours: HOURS,
    settleMs,
    load: { start: loadStart, end: loadEnd },
    seeding: { seconds: seeding.seconds },
    list: { seconds: list.seconds, objects: list.objects, bytes: list.bytes, maxRss: list.maxRss, server: list.server },
    format1: { snapshots: f1.snapshots, hoursTotal: f1Hours.total, hoursProjected: f1Hours.projected },
    format2: { snapshots: f2.snapshots, hoursTotal: f2.snapshots.at(-1).total },
    rounds: rounds.map((r) => ({ list: r.list.seconds, f1: r.f1.seconds, f2: r.f2.seconds, second: r.second.seconds })),
    downloads,
    restores,
  };
  // With rounds (--full-rounds), pooled as bench:dump pools: total objects over total seconds.
  const pooled = rounds.length > 1;
  const sum = (runs) => runs.reduce((a, r) => a + r.seconds, 0);
  const fullRatio = pooled
    ? pooledRatio(
        rounds.map((r) => r.list),
        rounds.map((r) => r.f2),
      )
    : a2.objects / a2.seconds / listRate;
  const bytesRatio = b2.uploaded / a2.uploaded;
  const timeRatio = pooled ? sum(rounds.map((r) => r.second)) / sum(rounds.map((r) => r.f2)) : b2.seconds / a2.seconds;
  const over = pooled ? ` (pooled, ${rounds.length} rounds)` : "";
  const spaceRatio = f2.snapshots.at(-1).total / a2.total;
  const targets = [
    [`full backup format 2 ÷ raw LIST rate${over}`, x(fullRatio), "≥ 0.80x", verdict(fullRatio >= 0.8)],
    ["2nd snapshot format 2: bytes ÷ first's", pct(bytesRatio), "≤ 2%", verdict(bytesRatio <= 0.02)],
    [`2nd snapshot format 2: time ÷ first's${over}`, x(timeRatio), "≤ 0.50x", verdict(timeRatio <= 0.5)],
    [`${HOURS} hourly snapshots format 2 ÷ one full`, x(spaceRatio), "≤ 1.50x", verdict(spaceRatio <= 1.5)],
    [
      "download format 2 ÷ format 1 time",
      x(downloads.f2.seconds / downloads.f1.seconds),
      "≤ 1.00x",
      verdict(downloads.f2.seconds <= downloads.f1.seconds),
    ],
  ];
  if (restores.f1)
    targets.push([
      "restore format 2 ÷ format 1 time",
      x(restores.f2.seconds / restores.f1.seconds),
      "≤ 1.00x",
      verdict(restores.f2.seconds <= restores.f1.seconds),
    ]);

  const rates = table(
    ["measurement", "s", "objects/s", "MB/s", "peak RSS MiB", "÷ LIST", ...SERVER_HEADER],
    [
      rateRow("raw paged LIST (ceiling, JSON)", list, list.bytes, list),
      rateRow("full backup format 1 (YAML)", a1, a1.yamlBytes, list),
      rateRow("full backup format 2 (YAML)", a2, a2.yamlBytes, list),
    ],
  );
  const second = table(
    ["after 1% changed", "s", "÷ first's s", "uploaded", "÷ first's upload", "keys", "peak RSS MiB", ...SERVER_HEADER],
    [f1, f2].map((r) => [
      `second backup format ${r.format}`,
      fmt.f(r.snapshots[1].seconds, 2),
      x(r.snapshots[1].seconds / r.snapshots[0].seconds),
      mb(r.snapshots[1].uploaded),
      pct(r.snapshots[1].uploaded / r.snapshots[0].uploaded),
      r.snapshots[1].keys,
      fmt.mib(r.snapshots[1].maxRss),
      ...serverCells(r.snapshots[1]),
    ]),
  );
  const times2 = f2.snapshots.slice(1).map((s) => s.seconds);
  const space = table(
    [`${HOURS} hourly snapshots`, "one full", "all", "÷ one full", "backup s (median of hours 2+)"],
    [
      [
        "format 1",
        mb(a1.total),
        `${mb(f1Hours.total)}${f1Hours.projected ? ` (measured ${f1.snapshots.length}, rest projected)` : ""}`,
        x(f1Hours.total / a1.total),
        fmt.f(median(f1.snapshots.slice(1).map((s) => s.seconds)), 2),
      ],
      ["format 2", mb(a2.total), mb(f2.snapshots.at(-1).total), x(spaceRatio), fmt.f(median(times2), 2)],
    ],
  );
  const readRows = [];
  /** A read's row: its time, rate, peak RSS and CPU-s (medians over its rounds; n/a when not measured). */
  const readRow = (label, read) => {
    const notes = [
      ...(read.rounds?.length > 1 ? [`median of ${read.rounds.length}`] : []),
      ...(read.warmups > 0 ? [`after ${read.warmups} unmeasured`] : []),
    ];
    return [
      `${label}${notes.length > 0 ? ` (${notes.join(", ")})` : ""}`,
      fmt.f(read.seconds, 2),
      fmt.n(read.objects / read.seconds),
      fmt.mib(read.maxRss),
      ...[read.allCpu, read.mainCpu, read.minioCpu].map((v) => (v === undefined ? "n/a" : fmt.f(v, 2))),
    ];
  };
  for (const f of ["f1", "f2"]) {
    readRows.push(readRow(`download format ${f[1]}`, downloads[f]));
    if (restores[f]) readRows.push(readRow(`restore format ${f[1]} (fresh cluster)`, restores[f]));
  }
  const reads = table(
    ["last snapshot", "s", "objects/s", "peak RSS MiB", "CPU-s", "main CPU-s", "MinIO CPU-s"],
    readRows,
  );
  const roundRows = rounds.map((r, i) => [
    `${i + 1}${i % 2 ? " (LIST last)" : ""}`,
    fmt.f(r.list.seconds, 2),
    fmt.f(r.f1.seconds, 2),
    fmt.f(r.f2.seconds, 2),
    x(r.list.seconds / r.f2.seconds),
    fmt.f(r.second.seconds, 2),
    x(r.second.seconds / r.f2.seconds),
    `${r.list.server?.gcCycles ?? "n/a"}/${r.f2.server?.gcCycles ?? "n/a"}/${r.second.server?.gcCycles ?? "n/a"}`,
  ]);
  const roundsTable = pooled
    ? table(
        [
          "round",
          "LIST s",
          "full f1 s",
          "full f2 s",
          "f2 ÷ LIST",
          "second f2 s",
          "÷ its first",
          "API server GCs (LIST/f2/second)",
        ],
        roundRows,
      )
    : undefined;
  const load = (l) => l.map((v) => v.toFixed(2)).join(" ");
  const text = [
    `\nkubedump incremental snapshots: ${fmt.n(N)} objects over ${K} namespaces, 1% changed an hour, ${HOURS} hours; repositories on MinIO`,
    `each backup after a change starts ${settleMs > 0 ? `${settleMs} ms after it` : "at once"}`,
    `load average at start ${load(loadStart)}, at end ${load(loadEnd)} (2 cores: ${loadEnd[0] > 2 ? "shared with other work" : "quiet"})\n`,
    rates,
    "",
    ...(roundsTable ? [roundsTable, ""] : []),
    second,
    "",
    space,
    "",
    reads,
    "",
    table(["target", "figure", "target", "verdict"], targets),
    "",
  ].join("\n");
  return { text, figures: { ...figures, targets } };
}
