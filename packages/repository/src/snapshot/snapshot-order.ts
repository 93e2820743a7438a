import type { SnapshotManifest } from "./types.js";

/**
 * Snapshots oldest first by their time, then id: ids order by the second only, so two snapshots
 * taken within one second would otherwise come in the order of their random suffixes.
 */
export function byTime(snapshots: readonly SnapshotManifest[]): SnapshotManifest[] {
  const key = (m: SnapshotManifest) => Date.parse(m.time);
  return [...snapshots].sort((a, b) => key(a) - key(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
