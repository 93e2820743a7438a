import type { IndexRecord } from "../archive/types.js";

/**
 * Which objects a comparison looks at, decided from the index record alone (namespace, group,
 * resource, kind, name): the CLI builds one from the filters `backup` takes.
 */
export type RecordFilter = (record: IndexRecord) => boolean;

/** An object in both indexes with different sha256. */
export interface ChangedRecord {
  before: IndexRecord;
  after: IndexRecord;
}

/** Two indexes compared by object and sha256; each list sorted by path. */
export interface IndexComparison {
  added: IndexRecord[];
  removed: IndexRecord[];
  changed: ChangedRecord[];
  unchanged: number;
}

/**
 * The key of an object in an index: its archive path, which pathFor builds from exactly group,
 * resource, namespace and name, so two records share a key when they name the same object.
 */
export function objectKeyOf(record: Pick<IndexRecord, "path">): string {
  return record.path;
}

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** The records `filter` keeps (all without one), by object key; a key twice keeps the last record. */
export async function recordsByKey(
  records: AsyncIterable<IndexRecord> | Iterable<IndexRecord>,
  filter?: RecordFilter,
): Promise<Map<string, IndexRecord>> {
  const map = new Map<string, IndexRecord>();
  for await (const record of records) if (!filter || filter(record)) map.set(objectKeyOf(record), record);
  return map;
}

/** Compares two indexes already read by key (recordsByKey), reading no part: sha256 decides. */
export function compareRecordMaps(
  before: ReadonlyMap<string, IndexRecord>,
  after: ReadonlyMap<string, IndexRecord>,
): IndexComparison {
  const result: IndexComparison = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const [key, old] of before) {
    const now = after.get(key);
    if (!now) result.removed.push(old);
    else if (now.sha256 !== old.sha256) result.changed.push({ before: old, after: now });
    else result.unchanged++;
  }
  for (const [key, now] of after) if (!before.has(key)) result.added.push(now);
  result.added.sort(byPath);
  result.removed.sort(byPath);
  result.changed.sort((a, b) => byPath(a.after, b.after));
  return result;
}

/** Compares two indexes by object key and sha256, reading no part; `filter` limits both sides alike. */
export async function compareIndexes(
  before: AsyncIterable<IndexRecord> | Iterable<IndexRecord>,
  after: AsyncIterable<IndexRecord> | Iterable<IndexRecord>,
  filter?: RecordFilter,
): Promise<IndexComparison> {
  return compareRecordMaps(await recordsByKey(before, filter), await recordsByKey(after, filter));
}
