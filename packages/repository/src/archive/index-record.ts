import type { IndexRecord } from "./types.js";

/** An index record but its part: what a format-2 tree records of an object. */
export type RecordFields = Omit<IndexRecord, "part">;

/**
 * The index record of `fields` in part `part`, a new object made field by field. Not
 * `{ ...fields, part }`: on Node 20 (V8 11.3) an object cloned by a spread and then given a
 * property its source lacks gets a hidden class of its own, a Map and a DescriptorArray of about
 * 270 bytes, and takes ten times as long to make; a restore holds 100,000 such records
 * (docs/decisions.md, "No spread-then-add for what is made per object").
 */
export function indexRecord(fields: RecordFields, part: number): IndexRecord {
  const { path, group, version, resource, kind, namespace, name, uid, ownerReferences, sha256, bytes } = fields;
  const record: IndexRecord = { path, group, version, resource, kind, name, uid, sha256, bytes, part };
  if (namespace !== undefined) record.namespace = namespace;
  if (ownerReferences !== undefined) record.ownerReferences = ownerReferences;
  return record;
}
