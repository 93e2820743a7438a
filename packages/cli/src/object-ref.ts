import type { ObjectCoordinates } from "@kubedump/repository/snapshot";
import { UsageError } from "./target.js";

const RESOURCE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * `<resource[.group]>/<namespace>/<name>`, or `<resource[.group]>/<name>` for a cluster-scoped
 * object (names hold no `/`, so the count of segments decides): `deployments.apps/prod/web`,
 * `configmaps/prod/settings`, `clusterroles.rbac.authorization.k8s.io/view`, `namespaces/prod`.
 */
export function parseObjectRef(ref: string): ObjectCoordinates {
  const parts = ref.split("/");
  const [resourceKey = "", ...rest] = parts;
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "") || !RESOURCE.test(resourceKey))
    throw new UsageError(
      `object "${ref}": expected <resource[.group]>/<namespace>/<name> (e.g. deployments.apps/prod/web) ` +
        "or <resource[.group]>/<name> for a cluster-scoped object (e.g. namespaces/prod)",
    );
  const dot = resourceKey.indexOf(".");
  const resource = dot < 0 ? resourceKey : resourceKey.slice(0, dot);
  const group = dot < 0 ? "" : resourceKey.slice(dot + 1);
  const name = rest[rest.length - 1] as string;
  return rest.length === 2 ? { group, resource, namespace: rest[0] as string, name } : { group, resource, name };
}
