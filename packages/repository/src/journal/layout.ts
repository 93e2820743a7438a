import type { SnapshotScope } from "../snapshot/types.js";
import { canonicalJson } from "../format2/canonical-json.js";
import { blobId, type Format2Keys } from "../format2/keys.js";
import { isHexId } from "../format2/layout.js";

/*
 * Journal keys (docs/format.md, "Journal (format 2)"):
 *
 *   journal/<scope id>/<start ms, 15 digits>-<end ms, 15 digits>-<segment id>
 *
 * The scope id is the blob id of the scope's canonical JSON (an HMAC when encrypted, so it names
 * nothing); the segment id is the sha256 of the segment's stored bytes. Keys sort by start time.
 */

export const JOURNAL_PREFIX = "journal/";
const TIME_DIGITS = 15;
const MAX_TIME = 10 ** TIME_DIGITS - 1;
const SEGMENT_NAME = /^(\d{15})-(\d{15})-([0-9a-f]{64})$/;

/** What a journal records: the snapshot scope and task params it follows; snapshots with both equal anchor it. */
export interface JournalScope {
  scope: SnapshotScope;
  params: Record<string, string>;
}

/** A segment as its key describes it. */
export interface SegmentInfo {
  key: string;
  scopeId: string;
  /** The earliest record time in the segment, ms. */
  start: number;
  /** The latest record time in the segment, ms. */
  end: number;
  /** sha256 of the stored bytes. */
  id: string;
}

/** The id of `journal`'s directory: equal scope and params give equal ids in one repository. */
export function scopeIdOf(keys: Format2Keys | null, journal: JournalScope): string {
  const { type, namespace, target } = journal.scope;
  return blobId(keys, canonicalJson({ journal: { scope: { type, namespace, target }, params: journal.params } }));
}

export function scopePrefix(scopeId: string): string {
  if (!isHexId(scopeId)) throw new TypeError(`not a 64-digit hex scope id: "${scopeId}"`);
  return `${JOURNAL_PREFIX}${scopeId}/`;
}

function timeDigits(time: number): string {
  if (!Number.isSafeInteger(time) || time < 0 || time > MAX_TIME)
    throw new TypeError(`journal segment time ${time} is not a whole number of ms from 0`);
  return String(time).padStart(TIME_DIGITS, "0");
}

export function segmentKey(scopeId: string, start: number, end: number, id: string): string {
  if (!isHexId(id)) throw new TypeError(`not a 64-digit hex segment id: "${id}"`);
  return `${scopePrefix(scopeId)}${timeDigits(start)}-${timeDigits(end)}-${id}`;
}

/** The segment a key names, or undefined for any other key under journal/. */
export function parseSegmentKey(key: string): SegmentInfo | undefined {
  if (!key.startsWith(JOURNAL_PREFIX)) return undefined;
  const [scopeId, name, ...rest] = key.slice(JOURNAL_PREFIX.length).split("/");
  const match = name === undefined || rest.length > 0 ? null : SEGMENT_NAME.exec(name);
  if (!match || scopeId === undefined || !isHexId(scopeId)) return undefined;
  const [, start, end, id] = match as unknown as [string, string, string, string];
  if (Number(end) < Number(start)) return undefined;
  return { key, scopeId, start: Number(start), end: Number(end), id };
}
