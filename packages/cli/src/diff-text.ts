import type { DiffCounts, ObjectDiff, ObjectHistory, SidesDiff } from "@kubedump/repository";
import type { JournalObjectHistory } from "@kubedump/repository/journal";
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

/** An object's history with the journal's changes of it, as `history` prints and returns it. */
export type FullHistory = ObjectHistory & Partial<JournalObjectHistory>;

/**
 * Each snapshot in which the object changed (id, time, what happened) and each change the journal
 * recorded (time, kind, resourceVersion), in time order, each with its diff; then the journal's gaps.
 */
export function historyText(history: FullHistory): string {
  const rows: { time: number; text: string }[] = history.entries.map((e) => {
    const since =
      e.previous && (e.change === "changed" ? ` (since ${e.previous})` : ` (again, last seen in ${e.previous})`);
    const line = `${e.snapshot}  ${e.time}  ${e.change}${since ?? ""}\n`;
    return { time: Date.parse(e.time), text: e.diff ? `${line}${e.diff}` : line };
  });
  for (const c of history.changes ?? []) {
    const line = `journal  ${c.time}  ${c.change} resourceVersion ${c.resourceVersion} uid ${c.uid}\n`;
    rows.push({ time: Date.parse(c.time), text: c.diff ? `${line}${c.diff}` : line });
  }
  for (const g of history.gaps ?? [])
    rows.push({
      time: Date.parse(g.from),
      text: `gap  ${g.from} to ${g.to}  ${g.reason}: changes there are known only by their outcome\n`,
    });
  rows.sort((a, b) => a.time - b.time);
  const journal = history.changes ? `, ${plural(history.changes.length, "journal change")}` : "";
  const summary = `${history.path}: ${plural(history.entries.length, "change")} in ${plural(history.snapshots.length, "snapshot")}${journal}\n`;
  return printable(`${rows.map((r) => r.text).join("")}${summary}`);
}
