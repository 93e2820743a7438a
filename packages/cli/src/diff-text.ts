import type { DiffCounts, ObjectDiff, ObjectHistory, SidesDiff } from "@kubedump/repository";
import { printable, table } from "./format.js";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** `3 objects differ: 1 added, 1 removed, 1 changed (41 unchanged)`. */
export function countsLine(counts: DiffCounts): string {
  const differ = counts.added + counts.removed + counts.changed;
  const what = `${counts.added} added, ${counts.removed} removed, ${counts.changed} changed (${counts.unchanged} unchanged)`;
  return differ === 0
    ? `no differences (${counts.unchanged} objects compared)`
    : `${plural(differ, "object")} differ: ${what}`;
}

/** Each object that differs in path order: `added <path>`, `removed <path>`, and each changed one's unified diff. */
export function diffText(diff: SidesDiff): string {
  const lines = diff.objects.map((o) => (o.diff ? o.diff : `${o.change} ${o.path}\n`));
  return printable(`${lines.join("")}${countsLine(diff.counts)}\n`);
}

function resourceOf(o: ObjectDiff): string {
  const r = o.after ?? o.before;
  return r ? (r.group ? `${r.resource}.${r.group}` : r.resource) : "";
}

/** `--stat`: added, removed and changed objects per resource, then the counts. */
export function statText(diff: SidesDiff): string {
  const per = new Map<string, DiffCounts>();
  for (const o of diff.objects) {
    const key = resourceOf(o);
    const counts = per.get(key) ?? { added: 0, removed: 0, changed: 0, unchanged: 0 };
    per.set(key, { ...counts, [o.change]: counts[o.change] + 1 });
  }
  const rows = [...per.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([r, c]) => [r, String(c.added), String(c.removed), String(c.changed)]);
  const head = rows.length ? `${table(["RESOURCE", "ADDED", "REMOVED", "CHANGED"], rows)}\n` : "";
  return printable(`${head}${countsLine(diff.counts)}\n`);
}

/** Each snapshot in which the object changed: id, time and what happened, then its diff. */
export function historyText(history: ObjectHistory): string {
  const rows = history.entries.map((e) => {
    const since =
      e.previous && (e.change === "changed" ? ` (since ${e.previous})` : ` (again, last seen in ${e.previous})`);
    const line = `${e.snapshot}  ${e.time}  ${e.change}${since ?? ""}\n`;
    return e.diff ? `${line}${e.diff}` : line;
  });
  const changes = history.entries.length;
  const summary = `${history.path}: ${plural(changes, "change")} in ${plural(history.snapshots.length, "snapshot")}\n`;
  return printable(`${rows.join("")}${summary}`);
}
