import type { KubeObject } from "@kubedump/kube";
import { isObj } from "./plain.js";

/** --namespace-mappings (or the RestoreSession's namespaceMappings) cannot be read. */
export class NamespaceMappingError extends Error {
  override name = "NamespaceMappingError";
}

/** Old namespace → new namespace. */
export type NamespaceMapping = ReadonlyMap<string, string>;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_LABEL_LENGTH = 63;

/**
 * Parses `old:new[,old:new]` (blanks around entries are ignored). Each side must be a namespace
 * name (a DNS-1123 label) and no namespace may be mapped twice. Errors name `field` and the entry.
 * @param field how the caller names the setting in errors
 */
export function parseNamespaceMappings(value: string, field = "--namespace-mappings"): NamespaceMapping {
  const mapping = new Map<string, string>();
  for (const raw of value.split(",")) {
    const entry = raw.trim();
    if (entry === "") throw new NamespaceMappingError(`${field}: "${value}" has an empty entry`);
    const parts = entry.split(":");
    if (parts.length !== 2) {
      throw new NamespaceMappingError(`${field}: entry "${entry}" is not old:new (e.g. prod:prod-copy)`);
    }
    const [from, to] = parts as [string, string];
    for (const [side, name] of [
      ["old", from],
      ["new", to],
    ] as const) {
      if (name === "") throw new NamespaceMappingError(`${field}: entry "${entry}" has an empty ${side} namespace`);
      if (name.length > MAX_LABEL_LENGTH || !DNS1123_LABEL.test(name)) {
        throw new NamespaceMappingError(
          `${field}: entry "${entry}": "${name}" is not a namespace name (at most ${MAX_LABEL_LENGTH} ` +
            "lowercase letters, digits and '-', starting and ending with a letter or digit)",
        );
      }
    }
    const earlier = mapping.get(from);
    if (earlier !== undefined) {
      throw new NamespaceMappingError(`${field}: namespace "${from}" is mapped twice (to "${earlier}" and to "${to}")`);
    }
    mapping.set(from, to);
  }
  return mapping;
}

const RBAC_GROUP = "rbac.authorization.k8s.io/";
/** The label the API server sets on every Namespace to its name. */
const NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * The object moved into its new namespace. Rewritten:
 * - metadata.namespace of a namespaced object;
 * - a Namespace's own name, and its label kubernetes.io/metadata.name (the API server sets it to the name);
 * - the namespace of each ServiceAccount subject of a RoleBinding or ClusterRoleBinding;
 * - a PersistentVolume's spec.claimRef.namespace, so that the volume binds to its moved claim.
 * Not rewritten, since kubedump cannot tell a namespace there from any other text or value:
 * namespaces inside strings (DNS names such as `db.prod.svc`, URLs, env values, command lines),
 * ConfigMap and Secret data, namespace selectors and `namespaces` lists of affinity terms and
 * NetworkPolicies, the service references of webhook configurations and APIServices, and
 * namespaces inside custom resources.
 * Returns the same object when nothing is mapped, else a copy; the input is not changed.
 */
export function mapNamespaces(object: KubeObject, mapping: NamespaceMapping): KubeObject {
  if (mapping.size === 0) return object;
  const mapped = (ns: unknown) => (typeof ns === "string" ? mapping.get(ns) : undefined);
  let out = object;
  const edit = (): KubeObject => {
    if (out === object) out = { ...object, metadata: { ...object.metadata } };
    return out;
  };

  const ns = mapped(object.metadata.namespace);
  if (ns !== undefined) edit().metadata.namespace = ns;
  if (object.apiVersion === "v1" && object.kind === "Namespace") {
    const name = mapped(object.metadata.name);
    if (name !== undefined) {
      edit().metadata.name = name;
      const labels = object.metadata.labels;
      if (labels?.[NAME_LABEL] !== undefined) out.metadata.labels = { ...labels, [NAME_LABEL]: name };
    }
  }
  if (
    object.apiVersion.startsWith(RBAC_GROUP) &&
    (object.kind === "RoleBinding" || object.kind === "ClusterRoleBinding")
  ) {
    const subjects = object["subjects"];
    if (
      Array.isArray(subjects) &&
      subjects.some((s) => isObj(s) && s.kind === "ServiceAccount" && mapped(s.namespace))
    ) {
      edit()["subjects"] = subjects.map((s) =>
        isObj(s) && s.kind === "ServiceAccount" && mapped(s.namespace) ? { ...s, namespace: mapped(s.namespace) } : s,
      );
    }
  }
  if (object.apiVersion === "v1" && object.kind === "PersistentVolume") {
    const spec = object["spec"];
    const claimRef = isObj(spec) ? spec["claimRef"] : undefined;
    if (isObj(spec) && isObj(claimRef) && mapped(claimRef.namespace)) {
      edit()["spec"] = { ...spec, claimRef: { ...claimRef, namespace: mapped(claimRef.namespace) } };
    }
  }
  return out;
}
