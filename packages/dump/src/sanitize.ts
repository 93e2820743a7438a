import type { KubeObject } from "@kubedump/kube";

/** metadata fields the API server sets; never needed to re-create an object. */
export const SERVER_SET_METADATA = [
  "creationTimestamp", "resourceVersion", "uid", "generateName", "generation", "managedFields", "selfLink",
  "deletionTimestamp", "deletionGracePeriodSeconds",
] as const;

/** Annotations written by controllers and kubectl (Stash meant to drop the first seven; a bug kept them). */
export const SERVER_SET_ANNOTATIONS = [
  "controller-uid",
  "deployment.kubernetes.io/desired-replicas",
  "deployment.kubernetes.io/max-replicas",
  "deployment.kubernetes.io/revision",
  "pod-template-hash",
  "pv.kubernetes.io/bind-completed",
  "pv.kubernetes.io/bound-by-controller",
  "kubectl.kubernetes.io/last-applied-configuration",
] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Where built-in workloads keep a pod spec, by `group/Kind`. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[][]>> = {
  "/Pod": [["spec"]],
  "/PodTemplate": [["template", "spec"]],
  "/ReplicationController": [["spec", "template", "spec"]],
  "apps/Deployment": [["spec", "template", "spec"]],
  "apps/ReplicaSet": [["spec", "template", "spec"]],
  "apps/StatefulSet": [["spec", "template", "spec"]],
  "apps/DaemonSet": [["spec", "template", "spec"]],
  "batch/Job": [["spec", "template", "spec"]],
  "batch/CronJob": [["spec", "jobTemplate", "spec", "template", "spec"]],
};

/**
 * Removes what the server set, in place, and returns the object with apiVersion and kind first:
 * server-set metadata and annotations, the whole status, defaulted pod-spec fields, and a
 * Service's allocated cluster IPs.
 */
export function sanitize(obj: KubeObject): KubeObject {
  const meta = obj.metadata as Obj;
  for (const f of SERVER_SET_METADATA) delete meta[f];
  const annotations = meta.annotations as Record<string, string> | undefined;
  if (annotations) {
    for (const a of SERVER_SET_ANNOTATIONS) delete annotations[a];
    if (Object.keys(annotations).length === 0) delete meta.annotations;
  }
  delete obj.status;
  const group = obj.apiVersion.includes("/") ? obj.apiVersion.slice(0, obj.apiVersion.indexOf("/")) : "";
  for (const path of POD_SPEC_PATHS[`${group}/${obj.kind}`] ?? []) {
    const spec = dig(obj, path);
    if (spec) sanitizePodSpec(spec);
    const templateMeta = dig(obj, [...path.slice(0, -1), "metadata"]);
    if (templateMeta && path.length > 1) delete templateMeta.creationTimestamp;
  }
  if (group === "" && obj.kind === "Service" && isObj(obj.spec)) sanitizeServiceSpec(obj.spec);
  return reorder(obj);
}

function sanitizePodSpec(spec: Obj): void {
  delete spec.dnsPolicy;
  delete spec.nodeName;
  delete spec.terminationGracePeriodSeconds;
  if (spec.serviceAccountName === "default") delete spec.serviceAccountName;
  if (spec.serviceAccount === "default") delete spec.serviceAccount;
  for (const list of [spec.containers, spec.initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list) if (isObj(c)) delete c.terminationMessagePath;
  }
}

function sanitizeServiceSpec(spec: Obj): void {
  if (spec.clusterIP !== "None") {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
}

function dig(obj: Obj, path: readonly string[]): Obj | undefined {
  let cur: unknown = obj;
  for (const p of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[p];
  }
  return isObj(cur) ? cur : undefined;
}

/** apiVersion, kind and metadata first, as kubectl prints them. */
export function reorder(obj: KubeObject): KubeObject {
  const { apiVersion, kind, metadata, ...rest } = obj;
  return { apiVersion, kind, metadata, ...rest };
}
