import { createHash } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { IntegrityError, RepositoryFormatError } from "../errors.js";
import { canonicalJson } from "../format2/canonical-json.js";
import { type Format2Keys, open, seal } from "../format2/keys.js";
import { isHexId } from "../format2/layout.js";
import { parseJsonFile } from "../format2/manifest.js";
import { DEFLATE_LEVEL } from "../format2/pack-format.js";
import type { JsonFields } from "../snapshot/json-fields.js";
import type { SegmentInfo } from "./layout.js";
import {
  CHANGE_KINDS,
  type ChangeKind,
  GAP_REASONS,
  type GapReason,
  type JournalRecord,
  recordTime,
} from "./records.js";

/*
 * The bytes of a journal segment (docs/format.md, "Journal (format 2)"):
 *
 *   segment = plain, or seal(plain) with associated data "KDMPJRN2" when the repository is encrypted
 *   plain   = "KDMPJRN2" | deflate-raw(body)
 *   body    = canonical JSON {"end", "records": [record ...], "scope": scope id, "start", "version": 1}
 *   start   = the earliest change time or gap start; end = the latest change time or gap end
 *   record  = {"blob"?, "group", "kind", "name", "namespace"?, "resource", "resourceVersion", "time",
 *              "type": "change", "uid", "version"} | {"from", "reason", "to", "type": "gap"}
 */

const MAGIC = Buffer.from("KDMPJRN2");
const BODY_VERSION = 1;
/** The largest segment a reader fetches, and the largest body it inflates. @defaultValue 64 MiB */
export const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;

/** A segment's records in time order (stable), with the times its key carries. */
export interface SegmentBody {
  scopeId: string;
  start: number;
  end: number;
  records: JournalRecord[];
}

/** Records sorted by time, keeping the order of equal times (the order they were appended). */
export function inTimeOrder(records: readonly JournalRecord[]): JournalRecord[] {
  return records
    .map((record, i) => ({ record, i }))
    .sort((a, b) => recordTime(a.record) - recordTime(b.record) || a.i - b.i)
    .map(({ record }) => record);
}

function recordJson(record: JournalRecord) {
  if (record.type === "gap") return { type: "gap", from: record.from, to: record.to, reason: record.reason };
  const { group, version, resource, namespace, name, uid } = record.ref;
  const { time, kind, resourceVersion, blob } = record;
  const scoped = namespace === "" ? undefined : namespace; // "" and absent both mean cluster-scoped
  return { type: "change", time, kind, resourceVersion, blob, group, version, resource, namespace: scoped, name, uid };
}

/** The stored bytes of a segment holding `records` (at least one), and its id (their sha256). */
export function encodeSegment(
  keys: Format2Keys | null,
  scopeId: string,
  records: readonly JournalRecord[],
): { body: SegmentBody; id: string; data: Buffer } {
  const sorted = inTimeOrder(records);
  if (sorted.length === 0) throw new TypeError("a journal segment holds at least one record");
  const start = Math.min(...sorted.map((r) => (r.type === "gap" ? r.from : r.time)));
  const body = { scopeId, start, end: recordTime(sorted.at(-1) as JournalRecord), records: sorted };
  const json = canonicalJson({
    version: BODY_VERSION,
    scope: scopeId,
    start: body.start,
    end: body.end,
    records: sorted.map(recordJson),
  });
  const plain = Buffer.concat([MAGIC, deflateRawSync(json, { level: DEFLATE_LEVEL })]);
  const data = keys === null ? plain : seal(keys, plain, MAGIC);
  return { body, id: createHash("sha256").update(data).digest("hex"), data };
}

function time(fields: JsonFields, name: string): number {
  return fields.count(name);
}

function decodeRecord(item: JsonFields): JournalRecord {
  const type = item.string("type");
  if (type === "gap") {
    const reason = item.string("reason") as GapReason;
    if (!GAP_REASONS.includes(reason)) item.fail("reason", `must be one of ${GAP_REASONS.join(", ")}`);
    const gap = { type, from: time(item, "from"), to: time(item, "to"), reason } as const;
    if (gap.to < gap.from) item.fail("to", "is before from");
    return gap;
  }
  if (type !== "change") item.fail("type", 'must be "change" or "gap"');
  const kind = item.string("kind") as ChangeKind;
  if (!CHANGE_KINDS.includes(kind)) item.fail("kind", 'must be "added", "modified" or "deleted"');
  const namespace = item.value["namespace"] === undefined ? {} : { namespace: item.string("namespace") };
  const ref = { group: item.string("group"), version: item.string("version"), resource: item.string("resource") };
  const named = { ...ref, ...namespace, name: item.string("name"), uid: item.string("uid") };
  const change = {
    type: "change" as const,
    time: time(item, "time"),
    kind,
    ref: named,
    resourceVersion: item.string("resourceVersion"),
  };
  if (item.value["blob"] === undefined) {
    if (kind !== "deleted") item.fail("blob", `is required for an ${kind} change`);
    return change;
  }
  item.sha256("blob");
  return { ...change, blob: item.string("blob") };
}

/** The plaintext body of stored segment bytes; IntegrityError naming `key` when they do not open or inflate. */
function openSegment(keys: Format2Keys | null, key: string, data: Buffer): Buffer {
  const plain = keys === null ? data : open(keys, data, MAGIC);
  if (plain === undefined) throw new IntegrityError(key, "journal segment: cannot decrypt: authentication failed");
  if (!plain.subarray(0, MAGIC.length).equals(MAGIC))
    throw new IntegrityError(key, "journal segment: no KDMPJRN2 magic");
  try {
    return inflateRawSync(plain.subarray(MAGIC.length), { maxOutputLength: MAX_SEGMENT_BYTES });
  } catch (err) {
    throw new IntegrityError(key, "journal segment: not valid deflate data", { cause: err });
  }
}

/**
 * The records of a stored segment, checked: its bytes hash to the id its key names, it opens and
 * inflates, its fields are well-formed, its scope, start and end are its key's, and its records
 * are in time order. IntegrityError or RepositoryFormatError naming the key otherwise.
 */
export function decodeSegment(keys: Format2Keys | null, info: SegmentInfo, data: Buffer): SegmentBody {
  if (createHash("sha256").update(data).digest("hex") !== info.id)
    throw new IntegrityError(info.key, "journal segment bytes do not hash to its id");
  const fields = parseJsonFile(info.key, openSegment(keys, info.key, data));
  if (fields.value["version"] !== BODY_VERSION) fields.fail("version", `must be ${BODY_VERSION}`);
  const scopeId = fields.string("scope");
  if (!isHexId(scopeId) || scopeId !== info.scopeId) fields.fail("scope", "is not the scope its key names");
  const body = { scopeId, start: time(fields, "start"), end: time(fields, "end"), records: [] as JournalRecord[] };
  if (body.start !== info.start || body.end !== info.end) fields.fail("start", "start or end differ from its key's");
  body.records = fields.objects("records").map(decodeRecord);
  let previous = body.start;
  for (const [i, record] of body.records.entries()) {
    const at = recordTime(record);
    const from = record.type === "gap" ? record.from : at;
    if (at < previous || from < body.start || at > body.end) fields.fail(`records[${i}]`, "is out of time order");
    previous = at;
  }
  if (body.records.length === 0 || previous !== body.end)
    throw new RepositoryFormatError(info.key, "journal segment: its last record is not at its end");
  return body;
}
