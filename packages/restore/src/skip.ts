import { GROUP, RESOURCES } from "@kubedump/api";
import type { KubeObject } from "@kubedump/kube";
import type { IndexRecord } from "@kubedump/repository/archive";
import { typeKeyOf } from "./keys.js";
import { isObj } from "./plain.js";

/** Why each kind of object is never restored by default: the text of the report and the docs. */
export const SKIP_REASONS = {
  node: "Nodes register themselves from their machines; a restored Node names a machine the cluster may not have",
  event: "Events record what happened in the backed-up cluster; they are not state to restore",
  lease: "Leases are held and renewed by running nodes and controllers",
  endpointSlice: "the EndpointSlice controllers write this slice from its Service",
  endpoints: "the endpoints controller writes the Endpoints of a Service that has a selector",
  rootCa: "the root CA publisher writes kube-root-ca.crt into every namespace with the new cluster's CA",
  serviceAccountToken: "the token controller fills a service-account token Secret with a token of the new cluster",
  kubedumpSession: "kubedump's BackupSessions and RestoreSessions record runs; restoring one would run it again",
} as const;

/** Types skipped whatever the object says, with their reason. */
const SKIPPED_TYPES: ReadonlyMap<string, string> = new Map([
  ["nodes", SKIP_REASONS.node],
  ["events", SKIP_REASONS.event],
  ["events.events.k8s.io", SKIP_REASONS.event],
  ["leases.coordination.k8s.io", SKIP_REASONS.lease],
  [`${RESOURCES.BackupSession.plural}.${GROUP}`, SKIP_REASONS.kubedumpSession],
  [`${RESOURCES.RestoreSession.plural}.${GROUP}`, SKIP_REASONS.kubedumpSession],
]);

const ENDPOINT_SLICE_MANAGER_LABEL = "endpointslice.kubernetes.io/managed-by";
/** The control plane's own managers of EndpointSlices; a slice managed by anyone else is restored. */
const CONTROL_PLANE_SLICE_MANAGERS: ReadonlySet<string> = new Set([
  "endpointslice-controller.k8s.io",
  "endpointslicemirroring-controller.k8s.io",
]);
const SERVICE_ACCOUNT_TOKEN_TYPE = "kubernetes.io/service-account-token";

export type SkipRecord = Pick<IndexRecord, "group" | "resource" | "namespace" | "name" | "ownerReferences">;

export interface SkipContext {
  /**
   * `namespace/name` of each Service in the snapshot that has a selector: the endpoints controller
   * writes its Endpoints. Without it, no Endpoints are skipped.
   */
  servicesWithSelector?: ReadonlySet<string>;
  /** --skip-owned: leave an object whose controller owner is restored for that controller to recreate. */
  skipOwned?: boolean;
  /**
   * The uids (in the snapshot) of the objects this restore selected, before skipping: with
   * skipOwned, an object whose controller owner is among them is skipped, and so, down the chain,
   * are that object's own dependents.
   */
  selectedUids?: ReadonlySet<string>;
}

/**
 * Why `record` is not restored by default, or undefined when it is. Namespaces are the
 * snapshot's, before any mapping. Some rules need the object (a Secret's type, an EndpointSlice's
 * manager): without it they do not fire, so call again with the object before writing it.
 */
export function skipReason(
  record: SkipRecord,
  object: KubeObject | undefined,
  ctx: SkipContext = {},
): string | undefined {
  const type = typeKeyOf(record);
  const reason = SKIPPED_TYPES.get(type) ?? ownedReason(record, ctx);
  if (reason) return reason;
  switch (type) {
    case "configmaps":
      return record.name === "kube-root-ca.crt" ? SKIP_REASONS.rootCa : undefined;
    case "endpoints":
      return ctx.servicesWithSelector?.has(`${record.namespace ?? ""}/${record.name}`)
        ? SKIP_REASONS.endpoints
        : undefined;
    case "endpointslices.discovery.k8s.io": {
      const manager = object?.metadata.labels?.[ENDPOINT_SLICE_MANAGER_LABEL];
      return manager !== undefined && CONTROL_PLANE_SLICE_MANAGERS.has(manager)
        ? SKIP_REASONS.endpointSlice
        : undefined;
    }
    case "secrets":
      return object?.["type"] === SERVICE_ACCOUNT_TOKEN_TYPE ? SKIP_REASONS.serviceAccountToken : undefined;
    default:
      return undefined;
  }
}

function ownedReason(record: SkipRecord, ctx: SkipContext): string | undefined {
  if (!ctx.skipOwned || !ctx.selectedUids) return undefined;
  const owner = record.ownerReferences?.find((ref) => ref.controller === true && ctx.selectedUids?.has(ref.uid));
  return owner ? `--skip-owned: its controller ${owner.kind} ${owner.name} is restored and recreates it` : undefined;
}

/** Whether a Service has a selector, so that the endpoints controller writes its Endpoints. */
export function hasSelector(service: KubeObject): boolean {
  const spec = service["spec"];
  const selector = isObj(spec) ? spec["selector"] : undefined;
  return isObj(selector) && Object.keys(selector).length > 0;
}
