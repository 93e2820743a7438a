import type { IndexRecord } from "../archive/types.js";
import type { Repository } from "../snapshot/repository.js";
import { compareRecordMaps, type IndexComparison, type RecordFilter, recordsByKey } from "./compare-indexes.js";
import { unifiedDiff } from "./unified-diff.js";

/**
 * One side of a diff: a snapshot (snapshotSide), or the cluster as it is now (liveSide in
 * @kubedump/dump), each an index of records and a way to read the YAML of some of them.
 */
export interface DiffSide {
  /** What the diff's headers call it: a snapshot id, or `live`. */
  readonly label: string;
  /**
   * Its index records. `known` is the other side's, already read: a side that holds YAML in
   * memory may keep only that of objects whose sha256 differs from it.
   */
  records(known?: ReadonlyMap<string, IndexRecord>): AsyncIterable<IndexRecord>;
  /** The YAML of these records (from `records`), by path. */
  read(records: readonly IndexRecord[]): Promise<Map<string, Buffer>>;
}

/** A committed snapshot as a side: its index, and the parts that hold the objects asked for (only those). */
export function snapshotSide(repository: Repository, id: string): DiffSide {
  return {
    label: id,
    records: () => repository.readIndex(id),
    async read(records) {
      const yaml = new Map<string, Buffer>();
      for await (const object of repository.readObjects(id, { objects: records })) yaml.set(object.path, object.data);
      return yaml;
    },
  };
}

export type ObjectChangeKind = "added" | "removed" | "changed";

/** What identifies an object and a version of it in a diff. */
export type DiffRecord = Pick<
  IndexRecord,
  "path" | "group" | "version" | "resource" | "kind" | "namespace" | "name" | "sha256" | "bytes"
>;

/** One object that differs between the sides. */
export interface ObjectDiff {
  change: ObjectChangeKind;
  path: string;
  /** The record on the first side (removed, changed). */
  before?: DiffRecord;
  /** The record on the second side (added, changed). */
  after?: DiffRecord;
  /** The unified diff of a changed object's YAML, `--- <label>/<path>` to `+++ <label>/<path>`; absent with `stat`. */
  diff?: string;
}

export interface DiffCounts {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
}

/** What differs from `before` to `after`. */
export interface SidesDiff {
  before: string;
  after: string;
  counts: DiffCounts;
  /** Sorted by path. */
  objects: ObjectDiff[];
}

export interface DiffOptions {
  /** Objects to compare (default every one). */
  filter?: RecordFilter;
  /** Decide and count only, from the indexes: no part is read and no `diff` made. */
  stat?: boolean;
  /** Unchanged lines around each change. @defaultValue 3 */
  context?: number;
}

function diffRecord(r: IndexRecord): DiffRecord {
  const { path, group, version, resource, kind, namespace, name, sha256, bytes } = r;
  return namespace === undefined
    ? { path, group, version, resource, kind, name, sha256, bytes }
    : { path, group, version, resource, kind, namespace, name, sha256, bytes };
}

function objectsOf(comparison: IndexComparison): ObjectDiff[] {
  const objects: ObjectDiff[] = [
    ...comparison.added.map((r) => ({ change: "added" as const, path: r.path, after: diffRecord(r) })),
    ...comparison.removed.map((r) => ({ change: "removed" as const, path: r.path, before: diffRecord(r) })),
    ...comparison.changed.map((c) => ({
      change: "changed" as const,
      path: c.after.path,
      before: diffRecord(c.before),
      after: diffRecord(c.after),
    })),
  ];
  return objects.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function yamlOf(read: ReadonlyMap<string, Buffer>, path: string, side: DiffSide): string {
  const data = read.get(path);
  if (!data) throw new Error(`${side.label}: the YAML of ${path} was asked for and not read`);
  return data.toString("utf8");
}

/**
 * Compares two sides: the indexes decide what was added, removed or changed (by object and
 * sha256); then, unless `stat`, the YAML of the changed objects alone is read from each side and
 * diffed. The first side's index is read first, and handed to the second as `known`.
 */
export async function diffSides(before: DiffSide, after: DiffSide, options: DiffOptions = {}): Promise<SidesDiff> {
  const old = await recordsByKey(before.records(), options.filter);
  const now = await recordsByKey(after.records(old), options.filter);
  const comparison = compareRecordMaps(old, now);
  const { added, removed, changed, unchanged } = comparison;
  const counts = { added: added.length, removed: removed.length, changed: changed.length, unchanged };
  const objects = objectsOf(comparison);
  if (options.stat || changed.length === 0) return { before: before.label, after: after.label, counts, objects };
  const oldYaml = await before.read(changed.map((c) => c.before));
  const newYaml = await after.read(changed.map((c) => c.after));
  for (const object of objects) {
    if (object.change !== "changed") continue;
    object.diff = unifiedDiff(yamlOf(oldYaml, object.path, before), yamlOf(newYaml, object.path, after), {
      context: options.context,
      from: `${before.label}/${object.path}`,
      to: `${after.label}/${object.path}`,
    });
  }
  return { before: before.label, after: after.label, counts, objects };
}
