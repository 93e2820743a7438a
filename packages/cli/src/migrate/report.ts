/**
 * What a migration did with each field it met: carried with a change, left behind (and why),
 * skipped whole objects, and notes a user must act on. Never holds a Secret's values: findings
 * name keys only.
 */
export type FindingKind = "skipped" | "not carried" | "changed" | "action" | "note";

export interface Finding {
  /** The Stash object, e.g. `BackupConfiguration demo/nightly`. */
  object: string;
  kind: FindingKind;
  /** The Stash field, e.g. `spec.runtimeSettings`; omitted for the whole object. */
  field?: string;
  message: string;
}

/** Collects findings in the order they were made. */
export class MigrationReport {
  readonly findings: Finding[] = [];

  add(object: string, kind: FindingKind, field: string | undefined, message: string): void {
    this.findings.push(field === undefined ? { object, kind, message } : { object, kind, field, message });
  }

  /** A recorder bound to one object. */
  for(object: string): (kind: FindingKind, field: string | undefined, message: string) => void {
    return (kind, field, message) => this.add(object, kind, field, message);
  }
}

const ORDER: readonly FindingKind[] = ["skipped", "not carried", "changed", "action", "note"];

/**
 * The report as text: the objects written, then the findings grouped by Stash object, each line
 * `  <kind>  <field>: <message>`.
 */
export function formatReport(report: MigrationReport, written: readonly string[]): string {
  const lines = ["kubedump migrate stash: report", "", `Written (${written.length}):`];
  for (const name of written) lines.push(`  ${name}`);
  if (written.length === 0) lines.push("  nothing");
  const byObject = new Map<string, Finding[]>();
  for (const f of report.findings) byObject.set(f.object, [...(byObject.get(f.object) ?? []), f]);
  for (const [object, findings] of byObject) {
    lines.push("", `${object}:`);
    const sorted = [...findings].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
    for (const f of sorted) lines.push(`  ${f.kind.padEnd(11)}  ${f.field ? `${f.field}: ` : ""}${f.message}`);
  }
  const counts = ORDER.map((kind) => [kind, report.findings.filter((f) => f.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`);
  lines.push("", `Findings: ${counts.length ? counts.join(", ") : "none"}.`);
  return `${lines.join("\n")}\n`;
}
