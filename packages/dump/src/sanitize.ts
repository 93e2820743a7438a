import type { KubeObject } from "@kubedump/kube";

/** metadata fields the API server sets; never needed to re-create an object. */
export const SERVER_SET_METADATA = [
  "creationTimestamp",
  "resourceVersion",
  "uid",
  "generateName",
  "generation",
  "managedFields",
  "selfLink",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
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

const DROPPED_METADATA: ReadonlySet<string> = new Set(SERVER_SET_METADATA);
const DROPPED_ANNOTATIONS: ReadonlySet<string> = new Set(SERVER_SET_ANNOTATIONS);

/**
 * The object without what the server set, apiVersion and kind first: server-set metadata and
 * annotations, the whole status, defaulted pod-spec fields, and a Service's allocated cluster IPs.
 * The top level, metadata and annotations are new objects with the kept keys in their order:
 * deleting keys instead would turn every object into a slow dictionary, and `for…in` over those
 * (the YAML emitter) costs more than the copy. Pod specs and Service specs are changed in place.
 */
export function sanitize(obj: KubeObject): KubeObject {
  const out = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: sanitizeMetadata(obj.metadata as Obj),
  } as KubeObject;
  copyExcept(obj, out, TOP_LEVEL_SKIPPED);
  const group = obj.apiVersion.includes("/") ? obj.apiVersion.slice(0, obj.apiVersion.indexOf("/")) : "";
  const podSpecs = POD_SPEC_PATHS[`${group}/${obj.kind}`];
  if (podSpecs) sanitizePodSpecs(out, podSpecs);
  if (group === "" && obj.kind === "Service" && isObj(out.spec)) sanitizeServiceSpec(out.spec);
  return out;
}

const TOP_LEVEL_SKIPPED: ReadonlySet<string> = new Set(["apiVersion", "kind", "metadata", "status"]);

function sanitizeMetadata(meta: Obj): Obj {
  const out: Obj = {};
  for (const k in meta) {
    if (DROPPED_METADATA.has(k)) continue;
    const v = meta[k];
    if (k === "annotations" && isObj(v)) {
      const annotations: Obj = {};
      if (copyExcept(v, annotations, DROPPED_ANNOTATIONS) > 0) out.annotations = annotations;
    } else set(out, k, v);
  }
  return out;
}

/** Copies the own enumerable keys of `from` that `skip` does not hold, in order; returns how many. */
function copyExcept(from: Obj, to: Obj, skip: ReadonlySet<string>): number {
  let n = 0;
  for (const k in from) {
    if (skip.has(k)) continue;
    set(to, k, from[k]);
    n++;
  }
  return n;
}

/** `to[k] = v`, also for a key named "__proto__" (JSON.parse makes it an own property; so must we). */
function set(to: Obj, k: string, v: unknown): void {
  if (k === "__proto__")
    Object.defineProperty(to, k, { value: v, enumerable: true, writable: true, configurable: true });
  else to[k] = v;
}

function sanitizePodSpecs(obj: Obj, paths: readonly string[][]): void {
  for (const path of paths) {
    const spec = dig(obj, path);
    if (spec) sanitizePodSpec(spec);
    const templateMeta = dig(obj, [...path.slice(0, -1), "metadata"]);
    if (templateMeta && path.length > 1) delete templateMeta.creationTimestamp;
  }
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
