import type { KubeObject } from "@kubedump/kube";
import type { IndexRecord } from "@kubedump/repository/archive";

const KINDS: Record<string, string> = {
  "customresourcedefinitions.apiextensions.k8s.io": "CustomResourceDefinition",
  namespaces: "Namespace",
  secrets: "Secret",
  configmaps: "ConfigMap",
  services: "Service",
  endpoints: "Endpoints",
  "endpointslices.discovery.k8s.io": "EndpointSlice",
  "deployments.apps": "Deployment",
  "replicasets.apps": "ReplicaSet",
  pods: "Pod",
  "widgets.example.com": "Widget",
};

let uids = 0;

/** An index record of `type` (`resource` or `resource.group`); uid defaults to a fresh one. */
export function rec(
  type: string,
  name: string,
  opts: { ns?: string; uid?: string; kind?: string; owners?: IndexRecord[]; controller?: boolean } = {},
): IndexRecord {
  const dot = type.indexOf(".");
  const [resource, group] = dot < 0 ? [type, ""] : [type.slice(0, dot), type.slice(dot + 1)];
  const kind = opts.kind ?? KINDS[type] ?? "Thing";
  const r: IndexRecord = {
    path: `${opts.ns ? `namespaces/${opts.ns}` : "cluster"}/${type}/${name}.yaml`,
    group,
    version: "v1",
    resource,
    kind,
    name,
    uid: opts.uid ?? `uid-${++uids}`,
    sha256: "",
    bytes: 0,
    part: 0,
  };
  if (opts.ns) r.namespace = opts.ns;
  if (opts.owners) r.ownerReferences = opts.owners.map((o) => ownerRef(o, opts.controller));
  return r;
}

export function ownerRef(owner: IndexRecord, controller?: boolean) {
  const apiVersion = owner.group ? `${owner.group}/${owner.version}` : owner.version;
  const ref = { apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid };
  return controller === undefined ? ref : { ...ref, controller };
}

/** A Kubernetes object with these fields after apiVersion, kind and metadata. */
export function obj(
  apiVersion: string,
  kind: string,
  metadata: KubeObject["metadata"],
  rest: Record<string, unknown> = {},
): KubeObject {
  return { apiVersion, kind, metadata, ...rest };
}
