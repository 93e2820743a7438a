/*
 * What a journal segment records (docs/format.md, "Journal (format 2)"): changes of objects, each
 * naming the blob of its sanitized YAML, and gaps, where a relist found differences whose
 * intermediate versions could not be seen. Times are milliseconds since the Unix epoch.
 */

/** Which object a change is of. Objects are identified by group, resource, namespace and name; uid tells incarnations apart. */
export interface ObjectRef {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Plural resource name, e.g. "deployments". */
  resource: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
  uid: string;
}

export type ChangeKind = "added" | "modified" | "deleted";
export const CHANGE_KINDS: readonly ChangeKind[] = ["added", "modified", "deleted"];

/** One change as a segment stores it. */
export interface JournalChange {
  /** The event's time, ms since the epoch. */
  time: number;
  kind: ChangeKind;
  ref: ObjectRef;
  resourceVersion: string;
  /** Blob id of the sanitized YAML; for a deletion, of the last state seen, when known. */
  blob?: string;
}

/** Why a gap was recorded: a watch ended with 410 Gone, the recorder restarted, or a standby took over. */
export type GapReason = "410" | "restart" | "takeover";
export const GAP_REASONS: readonly GapReason[] = ["410", "restart", "takeover"];

/** Between `from` and `to` changes may have happened that the journal only shows as their outcome. */
export interface JournalGap {
  from: number;
  to: number;
  reason: GapReason;
}

export type JournalRecord = ({ type: "change" } & JournalChange) | ({ type: "gap" } & JournalGap);

/** The time a record sorts by: a change's time, a gap's end (the relist that closed it). */
export function recordTime(record: JournalRecord): number {
  return record.type === "change" ? record.time : record.to;
}

/** The key of the object a ref names, whatever its version and uid: "<group>/<resource>/<namespace>/<name>". */
export function objectKey(ref: Pick<ObjectRef, "group" | "resource" | "namespace" | "name">): string {
  return `${ref.group}/${ref.resource}/${ref.namespace ?? ""}/${ref.name}`;
}

/** How an object is named in errors: "deployments.apps shop/web". */
export function describeRef(ref: Pick<ObjectRef, "group" | "resource" | "namespace" | "name">): string {
  const type = ref.group === "" ? ref.resource : `${ref.resource}.${ref.group}`;
  return `${type} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}
