import { objectNameOf } from "./keys.js";

/** What became of each object, in the report's column order. */
export const OUTCOMES = ["created", "updated", "unchanged", "exists", "skipped", "failed"] as const;
export type Outcome = (typeof OUTCOMES)[number];
export type OutcomeCounts = Record<Outcome, number>;

/** One object's outcome. `namespace` is where it went, after mapping. */
export type ObjectOutcome = {
  /** `resource` or `resource.group`. */
  type: string;
  kind: string;
  namespace?: string;
  name: string;
  /** What else the restore did to it, e.g. an ownerReference it dropped. */
  notes?: string[];
} & (
  | { outcome: "created" | "updated" | "unchanged" | "exists"; reason?: undefined }
  | { outcome: "skipped" | "failed"; reason: string }
);

const zero = (): OutcomeCounts => ({ created: 0, updated: 0, unchanged: 0, exists: 0, skipped: 0, failed: 0 });

/**
 * The outcomes of one restore: counts per type and outcome for every object, and by name the
 * objects that failed, were skipped or carry notes. Objects that simply went in are counted only,
 * so a restore of many objects keeps little.
 */
export class RestoreReport {
  readonly dryRun: boolean;
  /** Restore-wide remarks, such as an ownership cycle the plan broke. */
  readonly warnings: string[] = [];
  private readonly counts = new Map<string, OutcomeCounts>();
  private readonly listed: ObjectOutcome[] = [];

  private readonly onAdd: ((entry: ObjectOutcome) => void) | undefined;

  /** @param options.onAdd called with every object's outcome as it is added (for `-o json`) */
  constructor(options: { dryRun?: boolean; onAdd?: (entry: ObjectOutcome) => void } = {}) {
    this.dryRun = options.dryRun ?? false;
    this.onAdd = options.onAdd;
  }

  add(entry: ObjectOutcome): void {
    this.onAdd?.(entry);
    let counts = this.counts.get(entry.type);
    if (!counts) {
      counts = zero();
      this.counts.set(entry.type, counts);
    }
    counts[entry.outcome]++;
    if (entry.reason !== undefined || entry.notes?.length) this.listed.push(entry);
  }

  /** Counts per type, types in alphabetical order. */
  byType(): [type: string, counts: Readonly<OutcomeCounts>][] {
    return [...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  totals(): OutcomeCounts {
    const totals = zero();
    for (const counts of this.counts.values()) for (const o of OUTCOMES) totals[o] += counts[o];
    return totals;
  }

  /** The failed objects, in the order they were added. */
  failures(): ObjectOutcome[] {
    return this.listed.filter((e) => e.outcome === "failed");
  }

  /** The skipped objects, in the order they were added. */
  skips(): ObjectOutcome[] {
    return this.listed.filter((e) => e.outcome === "skipped");
  }

  /** The objects with notes, whatever their outcome. */
  noted(): ObjectOutcome[] {
    return this.listed.filter((e) => e.notes?.length);
  }
}

const label = (e: ObjectOutcome) => `${e.type} ${objectNameOf(e)}`;

/**
 * The report as text: a table of counts per type (numbers right-aligned), then every failure with
 * its reason, every skip grouped under its reason, the notes and the warnings.
 */
export function renderReport(report: RestoreReport): string {
  const header = ["TYPE", ...OUTCOMES.map((o) => o.toUpperCase())];
  const row = (type: string, counts: Readonly<OutcomeCounts>) => [type, ...OUTCOMES.map((o) => String(counts[o]))];
  const rows = [header, ...report.byType().map(([type, counts]) => row(type, counts)), row("TOTAL", report.totals())];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "),
  );
  if (report.dryRun) lines.unshift("Dry run: the API server checked every write and kept none.");

  const failures = report.failures();
  if (failures.length) {
    lines.push("", `Failed (${failures.length}):`, ...failures.map((e) => `  ${label(e)}: ${e.reason}`));
  }
  const skips = report.skips();
  if (skips.length) {
    lines.push("", `Skipped (${skips.length}):`);
    const byReason = new Map<string, ObjectOutcome[]>();
    for (const e of skips) {
      const group = byReason.get(e.reason!);
      if (group) group.push(e);
      else byReason.set(e.reason!, [e]);
    }
    for (const [reason, entries] of byReason) lines.push(`  ${reason}:`, ...entries.map((e) => `    ${label(e)}`));
  }
  const noted = report.noted();
  if (noted.length) {
    lines.push("", "Notes:");
    for (const e of noted) lines.push(...e.notes!.map((n) => `  ${label(e)}: ${n}`));
  }
  if (report.warnings.length) lines.push("", "Warnings:", ...report.warnings.map((w) => `  ${w}`));
  return lines.join("\n");
}

/** One object's outcome as a line of JSON, for `-o json`. */
export function outcomeRecord(entry: ObjectOutcome, dryRun = false): string {
  const { type, kind, namespace, name, outcome, reason, notes } = entry;
  return JSON.stringify({ type, kind, namespace, name, outcome, reason, notes, dryRun: dryRun || undefined });
}
