import type { KubeObject, OwnerReference } from "@kubedump/kube";

/**
 * Old uid (the snapshot's) → the uid of the same object in the cluster. The caller fills it as it
 * writes owners: with the new uid of a created object, and with the uid of one that exists already
 * (left as it is, or updated), so that dependents point at what is there.
 */
export type UidMap = ReadonlyMap<string, string>;

/** An owner to look for in the cluster: its apiVersion, kind and name, and the dependent's namespace. */
export interface OwnerQuery {
  apiVersion: string;
  kind: string;
  name: string;
  /** The dependent's namespace (after mapping); absent for a cluster-scoped dependent. A cluster-scoped owner kind ignores it. */
  namespace?: string;
}

/** The uid of the cluster's object that `owner` names, or undefined when there is none. */
export type OwnerLookup = (owner: OwnerQuery) => Promise<string | undefined>;

export interface DroppedOwner {
  /** The reference as the snapshot has it. */
  reference: OwnerReference;
  /** For the report. */
  reason: string;
}

export interface RelinkResult {
  /** The object with its ownerReferences rewritten; the input is not changed. */
  object: KubeObject;
  /** References pointed at an object that the cluster had already, found by `lookup`. */
  found: OwnerReference[];
  /** References removed, each with its reason. */
  dropped: DroppedOwner[];
}

/**
 * Points a dependent's ownerReferences at the uids its owners have in the cluster: an owner in
 * `uids` gets its uid from there; any other (an owner outside the snapshot, filtered out, or not
 * written) is looked up by `lookup` and relinked to the uid found, or its reference is dropped so
 * that the garbage collector does not delete the dependent for an owner that does not exist.
 * Lookups run concurrently; their errors reject the result.
 */
export async function relinkOwners(object: KubeObject, uids: UidMap, lookup: OwnerLookup): Promise<RelinkResult> {
  const refs = object.metadata.ownerReferences;
  if (!refs?.length) return { object, found: [], dropped: [] };
  const namespace = object.metadata.namespace;
  const resolved = await Promise.all(
    refs.map(async (ref) => {
      const mapped = uids.get(ref.uid);
      if (mapped !== undefined) return { ref, uid: mapped, found: false };
      const query: OwnerQuery = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name };
      if (namespace !== undefined) query.namespace = namespace;
      return { ref, uid: await lookup(query), found: true };
    }),
  );

  const ownerReferences: OwnerReference[] = [];
  const result: RelinkResult = { object, found: [], dropped: [] };
  for (const { ref, uid, found } of resolved) {
    if (uid === undefined) {
      const where = namespace === undefined ? "" : ` in namespace ${namespace}`;
      result.dropped.push({
        reference: ref,
        reason: `owner ${ref.kind} ${ref.name} is neither restored nor in the cluster${where}: ownerReference dropped`,
      });
      continue;
    }
    ownerReferences.push(uid === ref.uid ? ref : { ...ref, uid });
    if (found) result.found.push(ref);
  }
  const { ownerReferences: _, ...withoutOwners } = object.metadata;
  const metadata = ownerReferences.length ? { ...object.metadata, ownerReferences } : withoutOwners;
  result.object = { ...object, metadata };
  return result;
}
