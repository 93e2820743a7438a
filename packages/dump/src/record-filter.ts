import { anyGlob } from "./glob.js";
import type { DumpFilters } from "./options.js";
import { namespaceFilter } from "./filters.js";

/** What a record filter looks at: an index record's coordinates (no labels, so no selectors). */
export interface RecordCoordinates {
  group: string;
  resource: string;
  kind: string;
  namespace?: string;
  name: string;
}

export type RecordFilterOptions = Pick<
  DumpFilters,
  "includeNamespaces" | "excludeNamespaces" | "includeResources" | "excludeResources" | "ignoreGroupKinds"
> & {
  /** true: keep every cluster-scoped object; false: none; auto (default): none when includeNamespaces is set. */
  includeClusterResources?: boolean | "auto";
};

/**
 * The filters of a backup as a predicate on index records, as compileFilters applies them to
 * listed objects: resource and kind globs, namespaces (a Namespace object goes with its own
 * namespace), and cluster-scoped objects as includeClusterResources says.
 */
export function recordFilter(opts: RecordFilterOptions): (record: RecordCoordinates) => boolean {
  const included = opts.includeResources?.length ? anyGlob(opts.includeResources) : () => true;
  const excluded = anyGlob(opts.excludeResources ?? []);
  const ignoredKind = anyGlob(opts.ignoreGroupKinds ?? []);
  const allowsNamespace = namespaceFilter(opts);
  const setting = opts.includeClusterResources ?? "auto";
  const clusterScoped = setting === "auto" ? !opts.includeNamespaces?.length : setting;
  return (r) => {
    const key = r.group ? `${r.resource}.${r.group}` : r.resource;
    if (!included(key) || excluded(key) || ignoredKind(r.group ? `${r.kind}.${r.group}` : r.kind)) return false;
    if (r.namespace) return allowsNamespace(r.namespace);
    if (key === "namespaces") return allowsNamespace(r.name) && (clusterScoped || !!opts.includeNamespaces?.length);
    return clusterScoped;
  };
}
