import { objectKeyOf } from "../diff/compare-indexes.js";
import { scopeCovers } from "../diff/object-history.js";
import { unifiedDiff } from "../diff/unified-diff.js";
import type { Format2Keys } from "../format2/keys.js";
import { type ObjectCoordinates, pathFor } from "../snapshot/layout.js";
import type { Repository } from "../snapshot/repository.js";
import type { SnapshotManifest } from "../snapshot/types.js";
import type { ObjectStore } from "../stores/object-store.js";
import { JournalReader } from "./journal-reader.js";
import { listJournalScopes } from "./journal-scopes.js";
import { scopeIdOf } from "./layout.js";
import type { ChangeKind, GapReason, JournalChange } from "./records.js";

/** One recorded change of an object, as a history shows it. */
export interface JournalHistoryEntry {
  /** ISO time of the change. */
  time: string;
  change: ChangeKind;
  resourceVersion: string;
  uid: string;
  /** Blob id of its YAML (for a deletion, of the last state seen, when known). */
  blob?: string;
  /** What `diff` compares with: the ISO time of the object's previous change, or the snapshot holding the version before. */
  previous?: string;
  /** Unified diff of the YAML from the previous version (from /dev/null when added with none before); absent for deletions, with `stat`, and when unchanged. */
  diff?: string;
}

export interface JournalHistoryGap {
  from: string;
  to: string;
  reason: GapReason;
}

/** An object's changes in the journals whose scope could hold it, and those journals' gaps, oldest first. */
export interface JournalObjectHistory {
  changes: JournalHistoryEntry[];
  gaps: JournalHistoryGap[];
}

export interface JournalHistoryDeps {
  store: ObjectStore;
  keys: Format2Keys | null;
  /** Reads the YAML a journal's first change of the object is compared with, from the snapshot before it. */
  repository: Repository;
  /** The repository's snapshots (format 2 ones anchor journals). */
  snapshots: readonly SnapshotManifest[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Every change the journals record of `object` (any uid: deletions and re-creations too), with a
 * diff of each from the version before it: the object's previous change, or for the first one its
 * version in the newest snapshot of the journal's scope taken before it. Journals are those of the
 * format-2 snapshots' scopes that could hold the object (scopeCovers); undefined when there is none.
 */
export async function journalObjectHistory(
  deps: JournalHistoryDeps,
  object: ObjectCoordinates,
  options: { stat?: boolean; context?: number } = {},
): Promise<JournalObjectHistory | undefined> {
  const journals = await listJournalScopes(deps.store);
  const byScope = new Map<string, SnapshotManifest[]>();
  for (const s of deps.snapshots) {
    if (s.formatVersion !== 2 || !scopeCovers(s.scope, object)) continue;
    const id = scopeIdOf(deps.keys, s);
    if (journals.has(id)) byScope.set(id, [...(byScope.get(id) ?? []), s]);
  }
  if (byScope.size === 0) return undefined;
  const history: JournalObjectHistory = { changes: [], gaps: [] };
  for (const snapshots of byScope.values()) {
    const reader = new JournalReader({ store: deps.store, keys: deps.keys, scope: snapshots[0] as SnapshotManifest });
    const { changes, gaps } = await reader.objectHistory({ ...object, namespace: object.namespace || undefined });
    history.gaps.push(...gaps.map((g) => ({ from: iso(g.from), to: iso(g.to), reason: g.reason })));
    const yaml = options.stat ? undefined : new YamlOf(deps, reader, object, snapshots);
    let before: { label: string; text: string } | undefined;
    for (const change of changes) {
      const entry = entryOf(change);
      history.changes.push(entry);
      if (!yaml || change.kind === "deleted" || change.blob === undefined) {
        if (change.kind === "deleted") before = undefined;
        continue;
      }
      before ??= change.kind === "added" ? undefined : await yaml.inSnapshotBefore(change.time);
      const text = await yaml.ofBlob(change.blob);
      const diff = unifiedDiff(before?.text ?? "", text, {
        context: options.context,
        from: before ? `${before.label}/${pathFor(object)}` : "/dev/null",
        to: `${entry.time}/${pathFor(object)}`,
      });
      if (before) entry.previous = before.label;
      if (diff) entry.diff = diff;
      before = { label: entry.time, text };
    }
  }
  history.changes.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  history.gaps.sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
  return history;
}

function entryOf(change: JournalChange): JournalHistoryEntry {
  const { time, kind, resourceVersion, ref, blob } = change;
  return { time: iso(time), change: kind, resourceVersion, uid: ref.uid, ...(blob === undefined ? {} : { blob }) };
}

/** The YAML of journal blobs, and of the object in the newest snapshot of a scope before a time. */
class YamlOf {
  constructor(
    private readonly deps: JournalHistoryDeps,
    private readonly reader: JournalReader,
    private readonly object: ObjectCoordinates,
    private readonly snapshots: readonly SnapshotManifest[],
  ) {}

  async ofBlob(id: string): Promise<string> {
    return (await this.reader.readBlob(id)).toString("utf8");
  }

  async inSnapshotBefore(time: number): Promise<{ label: string; text: string } | undefined> {
    const done = this.snapshots.filter((s) => Date.parse(s.completedAt) <= time);
    const snapshot = done.sort((a, b) => Date.parse(a.time) - Date.parse(b.time)).at(-1);
    if (!snapshot) return undefined;
    const path = pathFor(this.object);
    for await (const record of this.deps.repository.readIndex(snapshot.id)) {
      if (objectKeyOf(record) !== path) continue;
      for await (const read of this.deps.repository.readObjects(snapshot.id, { objects: [record] }))
        return { label: snapshot.id, text: read.data.toString("utf8") };
    }
    return undefined;
  }
}
