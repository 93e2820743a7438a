import { sanitize } from "@kubedump/dump/sanitize";
import type { KubeObject } from "@kubedump/kube";
import { typeKeyOf } from "./keys.js";
import { isObj } from "./plain.js";

export interface PrepareOptions {
  /** --restore-status: type keys (`resource[.group]`) whose status is written through the status subresource. */
  restoreStatus?: ReadonlySet<string>;
  /**
   * Keep a Service's nodePorts and healthCheckNodePort. Velero keeps only those the user chose,
   * telling them from allocated ones by the last-applied-configuration annotation and
   * managedFields; a sanitized snapshot has neither, so kubedump drops them all by default: an
   * allocated port taken in the new cluster (or by the original Service, when a namespace is
   * restored beside itself) would make the write fail, while a dropped one is allocated again.
   * @defaultValue false
   */
  preserveNodePorts?: boolean;
}

export interface PreparedObject {
  /** What to create or apply. */
  object: KubeObject;
  /** The backed-up status of a --restore-status type, to write through the status subresource afterwards. */
  status?: unknown;
}

/** Annotations of a claim that tie it to the old cluster's volume binding and node (Velero drops the same). */
const CLAIM_BINDING_ANNOTATIONS = [
  "volume.kubernetes.io/selected-node",
  "volume.kubernetes.io/storage-provisioner",
  "volume.beta.kubernetes.io/storage-provisioner",
] as const;

/** Labels by which a Job selects its Pods, holding its old uid (the API server adds the new ones). */
const JOB_UID_LABELS = ["controller-uid", "batch.kubernetes.io/controller-uid"] as const;

/**
 * Turns a backed-up object into what is sent to the API server. First what backup's sanitize
 * drops (server-set metadata and annotations, status, allocated cluster IPs, a Pod's nodeName and
 * defaulted pod-spec fields), so that a snapshot taken without sanitizing restores as one taken
 * with it; then what the new cluster must assign again, by kind (see the functions below).
 * The input is not changed. ownerReferences and namespaces are left to relink and mapping.
 */
export function prepare(
  backedUp: KubeObject,
  type: { group: string; resource: string },
  options: PrepareOptions = {},
): PreparedObject {
  const copy = structuredClone(backedUp);
  const object = sanitize(copy);
  const group = object.apiVersion.includes("/") ? object.apiVersion.slice(0, object.apiVersion.indexOf("/")) : "";
  const adjust = ADJUSTMENTS[`${group}/${object.kind}`];
  if (adjust) adjust(object, options);
  const prepared: PreparedObject = { object };
  if (copy["status"] !== undefined && options.restoreStatus?.has(typeKeyOf(type))) prepared.status = copy["status"];
  return prepared;
}

const ADJUSTMENTS: Readonly<Record<string, (obj: KubeObject, options: PrepareOptions) => void>> = {
  "/Service": prepareService,
  "/PersistentVolume": preparePersistentVolume,
  "/PersistentVolumeClaim": prepareClaim,
  "/Pod": preparePod,
  "batch/Job": prepareJob,
};

/** nodePorts and healthCheckNodePort are allocated again unless preserveNodePorts (clusterIPs: sanitize). */
function prepareService(obj: KubeObject, options: PrepareOptions): void {
  const spec = obj["spec"];
  if (!isObj(spec) || options.preserveNodePorts) return;
  delete spec.healthCheckNodePort;
  if (!Array.isArray(spec.ports)) return;
  for (const port of spec.ports) if (isObj(port)) delete port.nodePort;
}

/**
 * A volume's claimRef names its claim by namespace and name, and by the old claim's uid: the uid
 * would mark the volume Released when the restored claim (with a new uid) comes.
 */
function preparePersistentVolume(obj: KubeObject): void {
  const claimRef = isObj(obj["spec"]) ? obj["spec"]["claimRef"] : undefined;
  if (!isObj(claimRef)) return;
  delete claimRef.uid;
  delete claimRef.resourceVersion;
}

/** bind-completed and bound-by-controller go with sanitize's annotations; the node and provisioner here. */
function prepareClaim(obj: KubeObject): void {
  const annotations = obj.metadata.annotations;
  if (!annotations) return;
  for (const key of CLAIM_BINDING_ANNOTATIONS) delete annotations[key];
  if (Object.keys(annotations).length === 0) delete obj.metadata.annotations;
}

/** Admission sets spec.priority from priorityClassName and refuses a Pod whose value differs. */
function preparePod(obj: KubeObject): void {
  if (isObj(obj["spec"])) delete obj["spec"]["priority"];
}

/** Unless the user wrote the selector (manualSelector), it and the template carry the old uid. */
function prepareJob(obj: KubeObject): void {
  const spec = obj["spec"];
  if (!isObj(spec) || spec.manualSelector === true) return;
  const matchLabels = isObj(spec.selector) ? spec.selector["matchLabels"] : undefined;
  const template = isObj(spec.template) ? spec.template["metadata"] : undefined;
  const templateLabels = isObj(template) ? template["labels"] : undefined;
  for (const labels of [matchLabels, templateLabels]) {
    if (!isObj(labels)) continue;
    for (const key of JOB_UID_LABELS) delete labels[key];
  }
}
