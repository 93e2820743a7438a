// The soak's printed summary: the run, the faults, the checks and every process's RSS.
import { readFileSync } from "node:fs";

const f1 = (v) => (v === undefined || Number.isNaN(v) ? "n/a" : v.toFixed(1));
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Rows of cells as a table with aligned columns (numbers right-aligned). */
export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const numeric = header.map((_, c) => rows.every((r) => /^(-?[\d.]+\*?|n\/a\*?)$/.test(String(r[c]))));
  const line = (r) =>
    r
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  return [line(all[0]), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n");
}

/** `snapshot committed` log lines of every dump-worker incarnation, by session. */
export function commitsBySession(incarnations) {
  const out = new Map();
  for (const inc of incarnations.filter((i) => i.service === "dump-worker")) {
    for (const line of readFileSync(inc.logFile, "utf8").split("\n")) {
      if (!line.includes('"snapshot committed"')) continue;
      const { session } = JSON.parse(line);
      out.set(session, [...(out.get(session) ?? []), inc.id]);
    }
  }
  return out;
}

/**
 * Seconds from each succeeded session's slot to its completion (queueing, takeovers and the
 * backup itself): median and maximum in the first and in the second half of the slots.
 */
function latenesses(sessions, firstSlot, lastSlot) {
  const mid = (firstSlot + lastSlot) / 2;
  const slot = (s) => Number(s.metadata.name.split("-").pop()) * 1000;
  const half = (pick) => {
    const d = sessions
      .filter((s) => s.status?.phase === "Succeeded" && pick(slot(s)))
      .map((s) => (Date.parse(s.status.completionTime) - slot(s)) / 1000)
      .sort((a, b) => a - b);
    return d.length ? `median ${d[Math.floor(d.length / 2)]} s, max ${d.at(-1)} s (${d.length})` : "none";
  };
  return `first half ${half((t) => t <= mid)}; second half ${half((t) => t > mid)}`;
}

/**
 * A kill, with the sessions Running then and how many of them finished 20 s or more after it:
 * those the killed worker held, whose jobs waited for their lock to expire (JOB_LOCK_SECONDS).
 */
function describeKill(kill, sessions) {
  const late = kill.running.filter((name) => {
    const s = sessions.find((x) => x.metadata.name === name);
    return s?.status?.completionTime && Date.parse(s.status.completionTime) - kill.at >= 20_000;
  });
  return `${kill.id} at ${iso(kill.at).slice(11)} (${kill.running.length} Running, ${late.length} taken over)`;
}

/** The whole report as text. */
export function formatReport({
  options,
  run,
  kills,
  redisRestart,
  checks,
  rss,
  sessions,
  repositoryStatus,
  snapshots,
  commits,
}) {
  const out = [];
  out.push(
    `\nsoak: ${options.minutes} min, ${options.configs} configurations on "* * * * *", ${options.workers} dump workers, seed ${options.seed}`,
    `slots checked: ${iso(run.firstSlot)} .. ${iso(run.lastSlot)}; scheduler stopped ${iso(run.schedulerStoppedAt)}; drained in ${f1(run.drainSeconds)} s`,
    `faults: ${kills.length} dump workers SIGKILLed: ${kills.map((k) => describeKill(k, sessions)).join(", ") || "none"}`,
    `        Redis restarted ${redisRestart ? `once with its AOF: down ${f1((redisRestart.startedAt - redisRestart.stoppedAt) / 1000)} s across the slot ${iso(redisRestart.slot)}` : "never (the run ended first)"}`,
    `slot to completion: ${latenesses(sessions, run.firstSlot, run.lastSlot)}`,
    `Repository status: snapshotCount ${repositoryStatus?.snapshotCount ?? "n/a"} (listed: ${snapshots.length})`,
    `sessions committed by more than one worker incarnation: ${
      [...commits]
        .filter(([, w]) => w.length > 1)
        .map(([s, w]) => `${s} (${w})`)
        .join(", ") || "none"
    }`,
    "",
    table(
      ["check", "result", "detail"],
      checks.map((c) => [c.name, c.ok ? "PASS" : `FAIL (${c.problems.length})`, c.detail]),
    ),
  );
  for (const c of checks.filter((x) => !x.ok)) {
    out.push(`\n${c.name}:`, ...c.problems.slice(0, 30).map((p) => `  - ${p}`));
    if (c.problems.length > 30) out.push(`  … and ${c.problems.length - 30} more`);
  }
  out.push(
    "\nMemory per process: RSS (VmRSS) and V8 heap in use (its /metrics) every 10 s; slopes: least squares in MiB per hour,",
    "after the first 2 minutes of the process when 3 samples are left (*: over all its samples)",
    table(
      [
        "process",
        "samples",
        "minutes",
        "RSS first",
        "RSS last",
        "RSS peak",
        "RSS MiB/h",
        "heap last",
        "heap MiB/h",
        "end",
      ],
      rss.map((r) => {
        const mark = r.warmupSkipped ? "" : "*";
        const row = [r.id, r.samples, f1(r.minutes), f1(r.first), f1(r.last), f1(r.peak)];
        return [
          ...row,
          `${f1(r.slopeMiBPerHour)}${mark}`,
          f1(r.lastHeap),
          `${f1(r.heapSlopeMiBPerHour)}${mark}`,
          r.end,
        ];
      }),
    ),
  );
  const ok = checks.every((c) => c.ok);
  out.push(`\nsoak: ${ok ? "every invariant holds" : `${checks.filter((c) => !c.ok).length} invariants broken`}\n`);
  return { text: out.join("\n"), ok };
}
