import type { ObjectStore } from "../stores/object-store.js";
import { JOURNAL_PREFIX, parseSegmentKey } from "./layout.js";

/** A scope's journal as its segment keys describe it. */
export interface JournalExtent {
  scopeId: string;
  segments: number;
  /** The earliest and latest record times of its segments, ms. */
  start: number;
  end: number;
}

/** Every scope with a journal in `store`, by scope id (keys under journal/ that are no segment are left out). */
export async function listJournalScopes(store: ObjectStore): Promise<Map<string, JournalExtent>> {
  const found = new Map<string, JournalExtent>();
  for await (const entry of store.list(JOURNAL_PREFIX)) {
    const info = parseSegmentKey(entry.key);
    if (!info) continue;
    const extent = found.get(info.scopeId);
    if (!extent) found.set(info.scopeId, { scopeId: info.scopeId, segments: 1, start: info.start, end: info.end });
    else {
      extent.segments += 1;
      extent.start = Math.min(extent.start, info.start);
      extent.end = Math.max(extent.end, info.end);
    }
  }
  return found;
}
