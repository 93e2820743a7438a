// Every kind of call the chart's services make, and calls they must not make, for rbac.test.ts.
import { kubeHttp, type KubeHttpOptions } from "@kubedump/testenv";
import { inject } from "vitest";
import { API, crUrl, type Obj, type ServiceName } from "./harness.js";
import { type Release, SERVICES } from "./rbac-release.js";
import { APPS, OTHER, P, SHOP } from "./rbac-setup.js";

const t = inject("testenv");

/** A request; `current`: send the object as it is now (read as admin), e.g. to update it. */
export type Call = { path: string; current?: true } & Pick<KubeHttpOptions, "method" | "body" | "contentType">;
const merge = (path: string, body: Obj): Call => ({
  path,
  method: "PATCH",
  body,
  contentType: "application/merge-patch+json",
});
export const lease = (name?: string) =>
  `/apis/coordination.k8s.io/v1/namespaces/rbac-restricted/leases${name ? `/${name}` : ""}`;
const session = (name: string) => ({
  apiVersion: "kubedump.io/v1alpha1",
  kind: "BackupSession",
  metadata: { name, labels: { "kubedump.io/backup-configuration": "shop" } },
  spec: { invoker: { apiGroup: "kubedump.io", kind: "BackupConfiguration", name: "shop" } },
});
const event = {
  metadata: { generateName: "repo." },
  involvedObject: { apiVersion: "kubedump.io/v1alpha1", kind: "Repository", namespace: APPS, name: "repo" },
  reason: "Probe",
  message: "an Event from the watcher's token",
  type: "Normal",
};
const skipped = { status: { phase: "Skipped" } };
const failed = { status: { phase: "Failed" } };
const restoreSession = (name: string) => ({
  apiVersion: "kubedump.io/v1alpha1",
  kind: "RestoreSession",
  metadata: { name },
  spec: { repository: { name: "repo" } },
});
/** A restore's write: a forced server-side apply (dryRun=All: nothing is kept when it is allowed). */
export const applyDeployment: Call = {
  path: `/apis/apps/v1/namespaces/${SHOP}/deployments/web?fieldManager=kubedump&force=true&dryRun=All`,
  method: "PATCH",
  contentType: "application/apply-patch+yaml",
  body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", labels: { restored: "yes" } } },
};
/** A restore's write of a cluster-scoped object (dryRun=All). */
export const createNamespace: Call = {
  path: "/api/v1/namespaces?dryRun=All",
  body: { metadata: { name: "restored" } },
};

// [service, what, call, status]: every kind of call the services make, with the status it gets.
// (The Leases made here hold no holder: the services take them over when they start.)
export const ALLOWED: [ServiceName, string, Call, number][] = [
  ["watcher", "list Repositories of its namespace", { path: crUrl("repositories", APPS) }, 200],
  ["watcher", "watch BackupSessions", { path: `${crUrl("backupsessions", APPS)}?watch=1&timeoutSeconds=1` }, 200],
  [
    "watcher",
    "watch BackupConfigurations",
    { path: `${crUrl("backupconfigurations", APPS)}?watch=1&timeoutSeconds=1` },
    200,
  ],
  [
    "watcher",
    "patch a Repository's status",
    merge(`${crUrl("repositories", APPS, "repo")}/status`, { status: {} }),
    200,
  ],
  [
    "watcher",
    "patch a BackupConfiguration's status",
    merge(`${crUrl("backupconfigurations", APPS, "shop")}/status`, { status: {} }),
    200,
  ],
  [
    "watcher",
    "patch a BackupSession's status",
    merge(`${crUrl("backupsessions", APPS, "probe")}/status`, skipped),
    200,
  ],
  ["watcher", "list RestoreSessions of its namespace", { path: crUrl("restoresessions", APPS) }, 200],
  ["watcher", "watch RestoreSessions", { path: `${crUrl("restoresessions", APPS)}?watch=1&timeoutSeconds=1` }, 200],
  [
    "watcher",
    "patch a RestoreSession's status",
    merge(`${crUrl("restoresessions", APPS, "probe-restore")}/status`, failed),
    200,
  ],
  // RESTORE_HISTORY_LIMIT: the watcher deletes finished RestoreSessions.
  [
    "watcher",
    "delete a RestoreSession",
    { path: crUrl("restoresessions", APPS, "probe-restore-old"), method: "DELETE" },
    200,
  ],
  ["watcher", "read the storage Secret", { path: `/api/v1/namespaces/${APPS}/secrets/s3-secret` }, 200],
  ["watcher", "create an Event", { path: `/api/v1/namespaces/${APPS}/events`, body: event }, 201],
  ["watcher", "create its Lease", { path: lease(), body: { metadata: { name: "kubedump-watcher" } } }, 201],
  ["watcher", "read its Lease", { path: lease("kubedump-watcher") }, 200],
  ["watcher", "update its Lease", { path: lease("kubedump-watcher"), method: "PUT", current: true }, 200],
  ["scheduler", "list BackupConfigurations", { path: crUrl("backupconfigurations", APPS) }, 200],
  ["scheduler", "read a BackupConfiguration", { path: crUrl("backupconfigurations", APPS, "shop") }, 200],
  [
    "scheduler",
    "patch a BackupConfiguration's status",
    merge(`${crUrl("backupconfigurations", APPS, "shop")}/status`, { status: {} }),
    200,
  ],
  ["scheduler", "create a BackupSession", { path: crUrl("backupsessions", APPS), body: session("probe-created") }, 201],
  // backupHistoryLimit: the watcher deletes finished sessions, here the one the scheduler just made.
  [
    "watcher",
    "delete a BackupSession",
    { path: crUrl("backupsessions", APPS, "probe-created"), method: "DELETE" },
    200,
  ],
  // spec.verify: the scheduler keeps one verify job scheduler per Repository.
  ["scheduler", "list Repositories", { path: crUrl("repositories", APPS) }, 200],
  ["scheduler", "read a Repository", { path: crUrl("repositories", APPS, "repo") }, 200],
  ["scheduler", "create its Lease", { path: lease(), body: { metadata: { name: "kubedump-scheduler" } } }, 201],
  ["scheduler", "read its Lease", { path: lease("kubedump-scheduler") }, 200],
  ["scheduler", "update its Lease", { path: lease("kubedump-scheduler"), method: "PUT", current: true }, 200],
  ["dump-worker", "discover the API", { path: "/apis" }, 200],
  ["dump-worker", "list Pods of every namespace", { path: "/api/v1/pods" }, 200],
  ["dump-worker", "list Deployments of every namespace", { path: "/apis/apps/v1/deployments" }, 200],
  ["dump-worker", "list ClusterRoles", { path: "/apis/rbac.authorization.k8s.io/v1/clusterroles" }, 200],
  [
    "dump-worker",
    "list custom resources of a granted group",
    { path: `/apis/${P}.example.com/v1/namespaces/${SHOP}/configmaps` },
    200,
  ],
  ["dump-worker", "read a Namespace", { path: `/api/v1/namespaces/${SHOP}` }, 200],
  ["dump-worker", "read a BackupSession", { path: crUrl("backupsessions", APPS, "probe") }, 200],
  ["dump-worker", "read a BackupConfiguration", { path: crUrl("backupconfigurations", APPS, "shop") }, 200],
  ["dump-worker", "read a Repository", { path: crUrl("repositories", APPS, "repo") }, 200],
  [
    "dump-worker",
    "patch a BackupSession's status",
    merge(`${crUrl("backupsessions", APPS, "probe")}/status`, skipped),
    200,
  ],
  [
    "dump-worker",
    "patch a Repository's status",
    merge(`${crUrl("repositories", APPS, "repo")}/status`, { status: {} }),
    200,
  ],
  ["dump-worker", "read a RestoreSession", { path: crUrl("restoresessions", APPS, "probe-restore") }, 200],
  [
    "dump-worker",
    "patch a RestoreSession's status (phase, progress, counts)",
    merge(`${crUrl("restoresessions", APPS, "probe-restore")}/status`, {
      status: { ...failed.status, progress: { objects: 1, objectsDone: 1, pass: 1 } },
    }),
    200,
  ],
  ["dump-worker", "read the storage Secret", { path: `/api/v1/namespaces/${APPS}/secrets/s3-secret` }, 200],
  // Events on BackupSessions, and on a Repository whose verification found damage.
  [
    "dump-worker",
    "create an Event",
    { path: `/api/v1/namespaces/${APPS}/events`, body: { ...event, message: "an Event from the worker's token" } },
    201,
  ],
];

export const escalate = (s: ServiceName): Call => ({
  path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
  body: {
    metadata: { name: `rbac-escalate-${s}` },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: [{ kind: "ServiceAccount", name: s, namespace: "rbac-restricted" }],
  },
});
export const DENIED: [ServiceName, string, Call][] = [
  ...SERVICES.flatMap((s): [ServiceName, string, Call][] => [
    [s, "read a Secret in another namespace", { path: `/api/v1/namespaces/${OTHER}/secrets/elsewhere` }],
    [s, "delete a Deployment", { path: `/apis/apps/v1/namespaces/${SHOP}/deployments/web`, method: "DELETE" }],
    [s, "bind itself to cluster-admin", escalate(s)],
    [
      s,
      "edit the worker's ClusterRole",
      merge("/apis/rbac.authorization.k8s.io/v1/clusterroles/rbac-restricted-kubedump-dump-worker-backup-reader", {
        rules: [],
      }),
    ],
    [
      s,
      "create a Role",
      {
        path: "/apis/rbac.authorization.k8s.io/v1/namespaces/rbac-restricted/roles",
        body: { metadata: { name: "mine" }, rules: [] },
      },
    ],
  ]),
  ["watcher", "read another Secret of its namespace", { path: `/api/v1/namespaces/${APPS}/secrets/not-storage` }],
  ["watcher", "list Secrets", { path: `/api/v1/namespaces/${APPS}/secrets` }],
  ["watcher", "list Repositories outside its namespace", { path: `${API}/repositories` }],
  ["watcher", "update the scheduler's Lease", { path: lease("kubedump-scheduler"), method: "PUT", current: true }],
  ["watcher", "create a BackupSession", { path: crUrl("backupsessions", APPS), body: session("by-watcher") }],
  ["watcher", "list RestoreSessions outside its namespace", { path: `${API}/restoresessions` }],
  ["watcher", "create a RestoreSession", { path: crUrl("restoresessions", APPS), body: restoreSession("by-watcher") }],
  ["scheduler", "read a RestoreSession", { path: crUrl("restoresessions", APPS, "probe-restore") }],
  [
    "scheduler",
    "patch a RestoreSession's status",
    merge(`${crUrl("restoresessions", APPS, "probe-restore")}/status`, failed),
  ],
  ["scheduler", "read the storage Secret", { path: `/api/v1/namespaces/${APPS}/secrets/s3-secret` }],
  ["scheduler", "delete a BackupSession", { path: crUrl("backupsessions", APPS, "probe"), method: "DELETE" }],
  [
    "scheduler",
    "create a BackupConfiguration",
    { path: crUrl("backupconfigurations", APPS), body: { metadata: { name: "x" } } },
  ],
  ["scheduler", "patch a BackupSession's status", merge(`${crUrl("backupsessions", APPS, "probe")}/status`, skipped)],
  ["scheduler", "patch a Repository's status", merge(`${crUrl("repositories", APPS, "repo")}/status`, { status: {} })],
  ["scheduler", "list Repositories outside its namespace", { path: `${API}/repositories` }],
  ["scheduler", "create an Event", { path: `/api/v1/namespaces/${APPS}/events`, body: event }],
  ["dump-worker", "list Secrets", { path: `/api/v1/namespaces/${SHOP}/secrets` }],
  [
    "dump-worker",
    "read a Secret that is not a storage Secret",
    { path: `/api/v1/namespaces/${SHOP}/secrets/web-secret` },
  ],
  ["dump-worker", "delete a Pod", { path: `/api/v1/namespaces/${SHOP}/pods/web-5d4f-1`, method: "DELETE" }],
  [
    "dump-worker",
    "create a ConfigMap",
    { path: `/api/v1/namespaces/${SHOP}/configmaps`, body: { metadata: { name: "x" } } },
  ],
  [
    "dump-worker",
    "patch a Deployment",
    merge(`/apis/apps/v1/namespaces/${SHOP}/deployments/web`, { spec: { replicas: 0 } }),
  ],
  ["dump-worker", "create a BackupSession", { path: crUrl("backupsessions", APPS), body: session("by-worker") }],
  [
    "dump-worker",
    "create a RestoreSession",
    { path: crUrl("restoresessions", APPS), body: restoreSession("by-worker") },
  ],
  [
    "dump-worker",
    "delete a RestoreSession",
    { path: crUrl("restoresessions", APPS, "probe-restore"), method: "DELETE" },
  ],
  // A restore's writes, without restore.enabled.
  ["dump-worker", "server-side apply a Deployment (restore.enabled is off)", applyDeployment],
  ["dump-worker", "create a Namespace (restore.enabled is off)", createNamespace],
  ["dump-worker", "create an Event in another namespace", { path: `/api/v1/namespaces/${OTHER}/events`, body: event }],
  ["metrics-gateway", "list BackupSessions", { path: crUrl("backupsessions", APPS) }],
  ["metrics-gateway", "list RestoreSessions", { path: crUrl("restoresessions", APPS) }],
  ["metrics-gateway", "list Pods", { path: "/api/v1/pods" }],
  ["metrics-gateway", "read the storage Secret", { path: `/api/v1/namespaces/${APPS}/secrets/s3-secret` }],
];

export const as = async (r: Release, s: ServiceName, c: Call) =>
  kubeHttp(t, c.path, {
    method: c.method,
    body: c.current ? (await kubeHttp(t, c.path)).body : c.body,
    contentType: c.contentType,
    token: r.tokens[s],
  });
