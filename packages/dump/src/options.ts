/** What to back up. */
export type Scope =
  | { type: "cluster" }
  | { type: "namespace"; namespace: string }
  | { type: "application"; target: TargetRef; includeDependants: boolean };

export interface TargetRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface DumpFilters {
  /** Server-side label selector (all objects must match). */
  labelSelector?: string;
  /** An object matching any one of these is kept (ANDed with labelSelector). */
  orLabelSelectors?: string[];
  includeNamespaces?: string[];
  excludeNamespaces?: string[];
  /** `resource` (core) or `resource.group`; `*` globs allowed. */
  includeResources?: string[];
  excludeResources?: string[];
  /** `Kind` (core) or `Kind.group`. */
  ignoreGroupKinds?: string[];
  /** auto: cluster-scoped objects in a cluster backup without includeNamespaces only. */
  includeClusterResources?: boolean | "auto";
  includeEvents?: boolean;
}

export interface DumpOptions extends DumpFilters {
  scope: Scope;
  /** Strip what the server set (default true); false keeps objects exactly as returned. */
  sanitize?: boolean;
  /** Objects per LIST page (default 500). */
  pageSize?: number;
}

/** The label that keeps an object out of every backup. */
export const EXCLUDE_LABEL = "kubedump.io/exclude";
