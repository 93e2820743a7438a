import { apiVersionOf, isNotFound, KubeApiError, type KubeObject } from "@kubedump/kube";
import type { IndexRecord } from "@kubedump/repository/archive";
import { typeKeyOf } from "./keys.js";
import { mapNamespaces, type NamespaceMapping } from "./namespace-mapping.js";
import { type WriterContext, writeObject } from "./object-writer.js";
import { CRD_TYPE } from "./plan.js";
import { isObj } from "./plain.js";
import { prepare } from "./prepare.js";
import { type OwnerLookup, relinkOwners, type UidMap } from "./relink.js";
import type { ObjectOutcome } from "./report.js";
import type { ServedTypes } from "./served-types.js";

export interface RestorerContext extends WriterContext {
  served: ServedTypes;
  lookup: OwnerLookup;
  /** Snapshot uid → the uid of the same object in the cluster, for the owners written so far. */
  uids: UidMap;
  mapping: NamespaceMapping;
  restoreStatus: ReadonlySet<string>;
  /** Snapshot uids of the objects that wait for a later pass: their dependents wait with them. */
  waiting: ReadonlySet<string>;
  /** In a dry run: the namespaces, and the types (by key) of CRDs, that the restore would have created. */
  dryRunNamespaces: Set<string>;
  dryRunTypes: Set<string>;
}

/** An object's outcome (with its uid in the cluster when it is there), or why it waits for a later pass. */
export type ObjectResult = { waits: string; entry?: undefined } | { entry: ObjectOutcome; uid?: string };

const DRY_RUN_TYPE =
  "dry run: its CustomResourceDefinition is created by this restore, so the API server could not check it";
const dryRunNamespace = (ns: string) =>
  `dry run: its namespace ${ns} is created by this restore, so the API server could not check it`;

/**
 * Restores one object: prepares it, maps its namespaces, relinks its owners (dropping, with a
 * note, references to owners neither restored nor in the cluster) and writes it. An API error
 * fails the object; any other error (the cluster unreachable, an abort) rejects.
 */
export async function restoreObject(
  ctx: RestorerContext,
  record: IndexRecord,
  object: KubeObject,
): Promise<ObjectResult> {
  const typeKey = typeKeyOf(record);
  const waitingOwner = record.ownerReferences?.find((ref) => ctx.waiting.has(ref.uid));
  if (waitingOwner) return { waits: `its owner ${waitingOwner.kind} ${waitingOwner.name} waits for its type` };
  const about = describeRecord(record, ctx.mapping);
  const type = ctx.served.at(record);
  if (!type) {
    if (ctx.dryRun && ctx.dryRunTypes.has(typeKey)) return dryRunCreated(record, about, [DRY_RUN_TYPE]);
    return { waits: `the cluster does not serve ${typeKey} at ${apiVersionOf(record.group, record.version)}` };
  }
  if (!type.verbs.includes("create")) {
    return { entry: { ...about, outcome: "failed", reason: `the API server does not allow creating ${typeKey}` } };
  }

  const { restoreStatus, preserveNodePorts } = ctx;
  const prepared = prepare(object, record, { restoreStatus, preserveNodePorts });
  const mapped = mapNamespaces(prepared.object, ctx.mapping);
  const notes: string[] = [];
  try {
    const relinked = await relinkOwners(mapped, ctx.uids, ctx.lookup);
    notes.push(...relinked.dropped.map((d) => d.reason));
    const written = await writeObject(ctx, type, relinked.object, prepared.status);
    notes.push(...written.notes);
    if (ctx.dryRun && written.outcome === "created") rememberDryRun(ctx, typeKey, written.object);
    return { entry: withNotes(wentIn(about, written.outcome), notes), uid: written.object.metadata.uid };
  } catch (err) {
    if (!(err instanceof KubeApiError)) throw err;
    const { namespace } = about;
    if (ctx.dryRun && namespace !== undefined && isNotFound(err) && ctx.dryRunNamespaces.has(namespace)) {
      return dryRunCreated(record, about, [...notes, dryRunNamespace(namespace)]);
    }
    return { entry: withNotes({ ...about, outcome: "failed", reason: err.message }, notes) };
  }
}

/** How the report names an object. */
export interface ObjectName {
  type: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** How the report names a record's object: its type, kind, and its name and namespace after mapping. */
export function describeRecord(record: IndexRecord, mapping: NamespaceMapping): ObjectName {
  const mapped = (ns: string) => mapping.get(ns) ?? ns;
  const type = typeKeyOf(record);
  const about: ObjectName = {
    type,
    kind: record.kind,
    name: type === "namespaces" ? mapped(record.name) : record.name,
  };
  if (record.namespace !== undefined) about.namespace = mapped(record.namespace);
  return about;
}

/**
 * An object a dry run counts as created although the API server could not check it. Its
 * dependents keep their references to its old uid: a dry run writes none of them either.
 */
function dryRunCreated(record: IndexRecord, about: ObjectName, notes: string[]): ObjectResult {
  return { entry: { ...about, outcome: "created", notes }, uid: record.uid };
}

/**
 * The outcome of an object that went in, made field by field: every restored object's, so not
 * `{ ...about, outcome }` (see indexRecord in @kubedump/repository/archive).
 */
function wentIn(about: ObjectName, outcome: "created" | "updated" | "unchanged" | "exists"): ObjectOutcome {
  const entry: ObjectOutcome = { type: about.type, kind: about.kind, name: about.name, outcome };
  if (about.namespace !== undefined) entry.namespace = about.namespace;
  return entry;
}

function withNotes(entry: ObjectOutcome, notes: string[]): ObjectOutcome {
  return notes.length ? { ...entry, notes } : entry;
}

/** A dry run creates nothing: remember what it would have, so that what goes into it is not failed for its absence. */
function rememberDryRun(ctx: RestorerContext, typeKey: string, created: KubeObject): void {
  if (typeKey === "namespaces") ctx.dryRunNamespaces.add(created.metadata.name);
  if (typeKey !== CRD_TYPE) return;
  const spec = created["spec"];
  const names = isObj(spec) ? spec["names"] : undefined;
  if (isObj(spec) && isObj(names) && typeof names["plural"] === "string" && typeof spec["group"] === "string") {
    ctx.dryRunTypes.add(`${names["plural"]}.${spec["group"]}`);
  }
}
