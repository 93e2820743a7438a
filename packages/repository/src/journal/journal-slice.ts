import type { JournalChange, JournalGap, JournalRecord } from "./records.js";

/** A time range in ms, both ends included; an absent end is open. */
export interface TimeRange {
  from?: number;
  to?: number;
}

/** What a range of the journal holds: changes in time order, and the gaps that overlap it. */
export interface JournalSlice {
  changes: JournalChange[];
  gaps: JournalGap[];
}

export function overlaps(start: number, end: number, range: TimeRange): boolean {
  return (range.from === undefined || end >= range.from) && (range.to === undefined || start <= range.to);
}

/** Splits records into changes inside `range` and gaps overlapping it. */
export function sliceOf(records: readonly JournalRecord[], range: TimeRange): JournalSlice {
  const slice: JournalSlice = { changes: [], gaps: [] };
  for (const record of records) {
    if (record.type === "gap") {
      if (overlaps(record.from, record.to, range))
        slice.gaps.push({ from: record.from, to: record.to, reason: record.reason });
    } else if (overlaps(record.time, record.time, range)) {
      const { type: _, ...change } = record;
      slice.changes.push(change);
    }
  }
  return slice;
}
