import type { DumpFilters } from "@kubedump/dump";
import { compileFilters } from "@kubedump/dump/filters";
import { apiPathOf, type KubeObject, type ResourceType } from "@kubedump/kube";
import type { IndexRecord } from "@kubedump/repository/archive";
import { typeKeyOf } from "./keys.js";

/** The filters of `backup`, applied to a snapshot. Events are never restored, so includeEvents has no say. */
export type RestoreFilters = Omit<DumpFilters, "includeEvents">;

export type FilterRecord = Pick<IndexRecord, "group" | "version" | "resource" | "kind" | "namespace" | "name">;

export interface RestoreFilter {
  /** Whether the record's type and namespace pass: decided from the index, before the object is read. */
  keepRecord(record: FilterRecord): boolean;
  /** Whether a kept record's object passes the label selectors too (index records carry no labels). */
  keepObject(object: KubeObject, record: FilterRecord): boolean;
}

/**
 * The backup's filters (`@kubedump/dump`'s compileFilters, with the same globs, selectors and
 * cluster-scoped rule) over a snapshot's records. Differences, for a restore's sake:
 * - a Namespace is kept when the type filters and the namespace filters allow it, whatever
 *   includeClusterResources and the label selectors say: the objects restored into it need it,
 *   and its own labels (Pod Security levels among them) must come with it;
 * - names in includeResources, excludeResources and ignoreGroupKinds are checked against the
 *   snapshot's types and `served` (the cluster's, from discovery): a name in neither is an
 *   UnknownResourceError (a SelectorSyntaxError for a bad selector).
 * Namespaces are the snapshot's: filter before mapping them.
 */
export function compileRestoreFilters(
  filters: RestoreFilters,
  records: readonly FilterRecord[],
  served: readonly ResourceType[] = [],
): RestoreFilter {
  const types = new Map<string, ResourceType>(served.map((rt) => [rt.key, rt]));
  for (const record of records) {
    const key = typeKeyOf(record);
    if (!types.has(key)) types.set(key, typeOf(record));
  }
  const compiled = compileFilters({ ...filters, scope: { type: "cluster" } }, [...types.values()]);
  const listed = new Set(compiled.resources.map((rt) => rt.key));
  const typeFor = (record: FilterRecord) => types.get(typeKeyOf(record)) ?? typeOf(record);

  return {
    keepRecord(record) {
      const key = typeKeyOf(record);
      if (key === "namespaces") return compiled.allowsType(typeFor(record)) && compiled.allowsNamespace(record.name);
      if (!listed.has(key)) return false;
      return record.namespace === undefined || compiled.allowsNamespace(record.namespace);
    },
    keepObject(object, record) {
      if (typeKeyOf(record) === "namespaces") return true;
      return compiled.keep(object, typeFor(record));
    },
  };
}

/** A resource type as a snapshot knows it: from its records, namespaced when a record has a namespace. */
function typeOf(record: FilterRecord): ResourceType {
  const { group, version, resource, kind } = record;
  return {
    group,
    version,
    resource,
    kind,
    namespaced: record.namespace !== undefined,
    verbs: [],
    key: typeKeyOf(record),
    apiPath: apiPathOf(group, version),
  };
}
