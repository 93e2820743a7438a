import type { IndexRecord } from "../archive/types.js";
import { type ObjectCoordinates, pathFor } from "../snapshot/layout.js";
import type { Repository } from "../snapshot/repository.js";
import { mapLimit } from "../snapshot/snapshot-scan.js";
import type { SnapshotManifest, SnapshotScope } from "../snapshot/types.js";
import { objectKeyOf } from "./compare-indexes.js";
import { byTime } from "./snapshot-ref.js";
import type { ObjectChangeKind } from "./diff-sides.js";
import { unifiedDiff } from "./unified-diff.js";

/** A snapshot in which the object appeared, changed or vanished. */
export interface HistoryEntry {
  snapshot: string;
  /** The snapshot's time (ISO). */
  time: string;
  change: ObjectChangeKind;
  /** The object's record in this snapshot; absent when removed. */
  record?: IndexRecord;
  /** The snapshot of the version this one is compared with (changed; added again after a removal). */
  previous?: string;
  /**
   * The unified diff from the previous version (from nothing, `/dev/null`, when the object first
   * appears); absent when removed, with `stat`, and when it came back unchanged.
   */
  diff?: string;
}

export interface ObjectHistory {
  path: string;
  /** The snapshots looked at, oldest first (by time). */
  snapshots: string[];
  entries: HistoryEntry[];
}

export interface HistoryOptions {
  /** The snapshots to look at (default: every readable one whose scope can hold the object, see scopeCovers). */
  snapshots?: readonly SnapshotManifest[];
  /** Entries only, from the indexes: no part is read. */
  stat?: boolean;
  /** Unchanged lines around each change. @defaultValue 3 */
  context?: number;
}

/** Indexes read at once. */
const INDEX_CONCURRENCY = 4;

/**
 * Whether a snapshot of `scope` could hold the object: every cluster snapshot; a namespace's for
 * its objects and the Namespace itself; an application's for objects in its namespace.
 */
export function scopeCovers(scope: SnapshotScope, object: ObjectCoordinates): boolean {
  if (scope.type === "cluster") return true;
  if (scope.type === "namespace" && object.group === "" && object.resource === "namespaces")
    return object.name === scope.namespace;
  return (object.namespace || undefined) === scope.namespace;
}

/** The record of `path` in a snapshot's index, read no further than it; undefined when absent. */
async function findRecord(repository: Repository, id: string, path: string): Promise<IndexRecord | undefined> {
  for await (const record of repository.readIndex(id)) if (objectKeyOf(record) === path) return record;
  return undefined;
}

/** The entries of an object's records across snapshots (undefined: absent from that one), oldest first. */
function entriesOf(snapshots: readonly SnapshotManifest[], found: (IndexRecord | undefined)[]): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  let last: { snapshot: string; record: IndexRecord } | undefined;
  let present = false;
  snapshots.forEach((m, i) => {
    const record = found[i];
    const at = { snapshot: m.id, time: m.time };
    if (!record) {
      if (present) entries.push({ ...at, change: "removed" });
      present = false;
      return;
    }
    const previous = last && { previous: last.snapshot };
    if (!present) entries.push({ ...at, change: "added", record, ...previous });
    else if (record.sha256 !== last?.record.sha256) entries.push({ ...at, change: "changed", record, ...previous });
    [present, last] = [true, { snapshot: m.id, record }];
  });
  return entries;
}

/**
 * Every snapshot in which the object appeared, changed (its sha256) or vanished, oldest first,
 * with diffs. Decided from the indexes alone; then each version that differs is read once, from
 * the one part that holds it.
 */
export async function objectHistory(
  repository: Repository,
  object: ObjectCoordinates,
  options: HistoryOptions = {},
): Promise<ObjectHistory> {
  const path = pathFor(object);
  const snapshots = byTime(
    options.snapshots ?? (await repository.scanSnapshots()).snapshots.filter((m) => scopeCovers(m.scope, object)),
  );
  const found = await mapLimit(snapshots, INDEX_CONCURRENCY, (m) => findRecord(repository, m.id, path));
  const entries = entriesOf(snapshots, found);
  const ids = snapshots.map((m) => m.id);
  if (options.stat) return { path, snapshots: ids, entries };
  const yaml = new Map<string, string>(); // by sha256: a version is read once
  const recordIn = new Map(snapshots.map((m, i) => [m.id, found[i]]));
  for (const { record, snapshot } of entries) {
    if (!record || yaml.has(record.sha256)) continue;
    for await (const read of repository.readObjects(snapshot, { objects: [record] }))
      yaml.set(record.sha256, read.data.toString("utf8"));
  }
  for (const entry of entries) {
    if (!entry.record) continue;
    const before = entry.previous === undefined ? undefined : recordIn.get(entry.previous);
    const text = unifiedDiff(before ? (yaml.get(before.sha256) ?? "") : "", yaml.get(entry.record.sha256) ?? "", {
      context: options.context,
      from: before ? `${entry.previous}/${path}` : "/dev/null",
      to: `${entry.snapshot}/${path}`,
    });
    if (text) entry.diff = text;
  }
  return { path, snapshots: ids, entries };
}
