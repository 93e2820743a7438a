/** A listable resource type at its preferred version. */
export interface ResourceType {
  group: string;
  version: string;
  /** Plural name, e.g. `deployments`. */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  /** `resource` for the core group, else `resource.group` — the name used in filters and paths. */
  key: string;
  /** `/api/v1` or `/apis/<group>/<version>`. */
  apiPath: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export const resourceKey = (resource: string, group: string): string => (group ? `${resource}.${group}` : resource);
export const apiVersionOf = (group: string, version: string): string => (group ? `${group}/${version}` : version);
export const apiPathOf = (group: string, version: string): string =>
  group ? `/apis/${group}/${version}` : `/api/${version}`;

/** The URL path of a resource's collection, optionally in one namespace. */
export function collectionPath(
  rt: Pick<ResourceType, "apiPath" | "resource" | "namespaced">,
  namespace?: string,
): string {
  return rt.namespaced && namespace
    ? `${rt.apiPath}/namespaces/${encodeURIComponent(namespace)}/${rt.resource}`
    : `${rt.apiPath}/${rt.resource}`;
}

export function objectPath(
  rt: Pick<ResourceType, "apiPath" | "resource" | "namespaced">,
  name: string,
  namespace?: string,
): string {
  return `${collectionPath(rt, namespace)}/${encodeURIComponent(name)}`;
}

/** Splits `apps/v1` into group and version (`v1` is the core group). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf("/");
  return i < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}
