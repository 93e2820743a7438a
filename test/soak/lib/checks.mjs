// The soak's invariants, checked on what the run left: BackupSessions per schedule slot, committed
// snapshots per session, leftovers in the bucket, and the metrics gateway's last success per configuration.
import { createHash } from "node:crypto";
import { parseTextFormat } from "@kubedump/metrics";

const MINUTE = 60_000;
const SUCCEEDED = ["Succeeded", "PartiallySucceeded"];
const FINISHED = [...SUCCEEDED, "Failed", "Skipped"];
const phaseOf = (s) => s.status?.phase ?? "Pending";
/** `<config>-<slot unix seconds>`: the scheduler's name for a slot's session. */
const slotOf = (name, config) => {
  const m = new RegExp(`^${config}-(\\d+)$`).exec(name);
  return m ? Number(m[1]) * 1000 : undefined;
};
const check = (name, problems, detail) => ({ name, ok: problems.length === 0, detail, problems });

/**
 * One session per slot and configuration: every minute in [firstSlot, lastSlot] has one, no
 * minute has two, every session is finished, and none seen during the run is gone at the end.
 */
export function checkSlots({ configs, sessions, seen, firstSlot, lastSlot }) {
  const problems = [];
  let expected = 0;
  const byName = new Map(sessions.map((s) => [s.metadata.name, s]));
  for (const config of configs) {
    const minutes = new Map();
    for (const s of sessions) {
      const slot = slotOf(s.metadata.name, config);
      if (slot === undefined) continue;
      if (slot % MINUTE !== 0) problems.push(`${s.metadata.name}: a slot off the minute`);
      const m = Math.floor(slot / MINUTE);
      minutes.set(m, [...(minutes.get(m) ?? []), s.metadata.name]);
    }
    for (const [m, names] of minutes)
      if (names.length > 1) problems.push(`${config}: minute ${iso(m * MINUTE)} twice: ${names}`);
    for (let t = firstSlot; t <= lastSlot; t += MINUTE) {
      expected += 1;
      if (!minutes.has(t / MINUTE)) problems.push(`${config}: no session for the slot ${iso(t)}`);
    }
  }
  for (const s of sessions)
    if (!FINISHED.includes(phaseOf(s))) problems.push(`${s.metadata.name}: still ${phaseOf(s)}`);
  for (const name of seen.keys()) if (!byName.has(name)) problems.push(`${name}: seen during the run, gone at the end`);
  const phases = countBy(sessions.map(phaseOf));
  const detail = `${expected} slots expected (${configs.length} configurations × ${(lastSlot - firstSlot) / MINUTE + 1} minutes), ${sessions.length} sessions: ${fmtCounts(phases)}`;
  return check("one session per schedule slot", problems, detail);
}

/** One committed snapshot per succeeded session, at the id its status names; none for another session or none. */
export function checkSnapshots({ sessions, snapshots }) {
  const problems = [];
  const bySession = new Map();
  for (const m of snapshots) bySession.set(m.source.name, [...(bySession.get(m.source.name) ?? []), m.id]);
  const byName = new Map(sessions.map((s) => [s.metadata.name, s]));
  let succeeded = 0;
  for (const s of sessions) {
    const ids = bySession.get(s.metadata.name) ?? [];
    if (SUCCEEDED.includes(phaseOf(s))) {
      succeeded += 1;
      if (ids.length !== 1 || ids[0] !== s.status.snapshot?.id)
        problems.push(
          `${s.metadata.name} (${phaseOf(s)}, snapshot ${s.status.snapshot?.id}): committed ${ids.length ? ids : "none"}`,
        );
    } else if (ids.length) problems.push(`${s.metadata.name} (${phaseOf(s)}): committed ${ids}`);
  }
  for (const [name, ids] of bySession)
    if (!byName.has(name)) problems.push(`snapshot ${ids} of ${name}: no such session`);
  return check(
    "one snapshot per succeeded session",
    problems,
    `${succeeded} succeeded sessions, ${snapshots.length} committed snapshots`,
  );
}

/**
 * What the bucket holds besides committed snapshots. Before a sweep an unfinished snapshot is
 * allowed only for a session that failed (a killed worker's work is finished by the next one, at
 * the same id); after a sweep of everything (nothing runs by then) nothing may remain.
 */
export async function checkLeftovers({ repository, sessions }) {
  const bySuffix = new Map(sessions.map((s) => [snapshotSuffix(s.metadata.uid), s]));
  const problems = [];
  const before = await repository.listUnfinished();
  for (const u of before) {
    const s = bySuffix.get(u.id.split("-").pop());
    if (phaseOf(s ?? {}) !== "Failed")
      problems.push(
        `unfinished snapshot ${u.id} (${u.keys} objects) of ${s ? `${s.metadata.name}, ${phaseOf(s)}` : "no session"}`,
      );
  }
  const swept = await repository.sweepUnfinished({ olderThanMs: 0 });
  const after = await repository.listUnfinished();
  const again = await repository.sweepUnfinished({ olderThanMs: 0 });
  for (const u of after) problems.push(`unfinished snapshot ${u.id} still there after the sweep`);
  if (again.incompleteUploads)
    problems.push(`${again.incompleteUploads} multipart uploads still there after the sweep`);
  const detail = `before the sweep: ${before.length} unfinished snapshots, ${swept.incompleteUploads} multipart uploads; after it: ${after.length}, ${again.incompleteUploads}`;
  return check("no leftovers in the bucket", problems, detail);
}

/** The suffix of the snapshot id a session's backup writes (the dump worker's snapshotIdFor). */
const snapshotSuffix = (uid) => createHash("sha256").update(uid).digest("hex").slice(0, 8);

/** The gateway's last success time of each configuration is its newest succeeded session's end. */
export function checkMetrics({ configs, sessions, metricsText }) {
  const family = parseTextFormat(metricsText).find((f) => f.name === "kubedump_backup_last_success_time_seconds");
  const problems = [];
  for (const config of configs) {
    const last = sessions
      .filter((s) => s.spec.invoker.name === config && SUCCEEDED.includes(phaseOf(s)))
      .map((s) => Date.parse(s.status.completionTime))
      .sort((a, b) => b - a)[0];
    if (last === undefined) continue;
    const sample = family?.samples.find((x) => x.labels.invoker_name === config);
    if (!sample) problems.push(`${config}: no kubedump_backup_last_success_time_seconds on the gateway`);
    else if (sample.value * 1000 < last - 1000)
      problems.push(
        `${config}: the gateway says ${iso(sample.value * 1000)}, the newest succeeded session ended ${iso(last)}`,
      );
  }
  return check(
    "pushed metrics kept",
    problems,
    `${family?.samples.length ?? 0} configurations' last success on the gateway`,
  );
}

/** No service process ended unless the soak stopped it. */
export function checkProcesses(services) {
  const problems = services.unexpectedExits().map((i) => `${i.id} exited on its own (${i.exit}); log ${i.logFile}`);
  return check("no service crashed", problems, `${services.incarnations.length} processes started`);
}

const iso = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");
const countBy = (xs) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map());
const fmtCounts = (m) => [...m].map(([k, v]) => `${v} ${k}`).join(", ") || "none";
