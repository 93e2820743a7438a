import { API_VERSION, BACKUP_CONFIGURATION_LABEL, GROUP, type KubedumpKind, RESOURCES, VERSION } from "./constants.js";

/** A kubedump custom resource as a listable resource type (the shape @kubedump/kube expects). */
export interface KubedumpResourceType {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: true;
  verbs: string[];
  key: string;
  apiPath: string;
}

export function resourceTypeOf(kind: KubedumpKind): KubedumpResourceType {
  const r = RESOURCES[kind];
  return {
    group: GROUP,
    version: VERSION,
    resource: r.plural,
    kind: r.kind,
    namespaced: true,
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
    key: `${r.plural}.${GROUP}`,
    apiPath: `/apis/${API_VERSION}`,
  };
}

/** `/apis/kubedump.io/v1alpha1/namespaces/<ns>/<plural>[/<name>]`. */
export function crPath(kind: KubedumpKind, namespace: string, name?: string): string {
  const base = `/apis/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${RESOURCES[kind].plural}`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

/** The BackupSession that runs a configuration once (scheduled or instant), owned by it. */
export function newBackupSession(
  config: { name: string; namespace: string; uid?: string },
  sessionName: string,
): Record<string, unknown> {
  const { name, namespace, uid } = config;
  return {
    apiVersion: API_VERSION,
    kind: "BackupSession",
    metadata: {
      name: sessionName,
      namespace,
      labels: { [BACKUP_CONFIGURATION_LABEL]: name },
      ...(uid
        ? { ownerReferences: [{ apiVersion: API_VERSION, kind: "BackupConfiguration", name, uid, controller: true }] }
        : {}),
    },
    spec: { invoker: { apiGroup: GROUP, kind: "BackupConfiguration", name } },
  };
}
