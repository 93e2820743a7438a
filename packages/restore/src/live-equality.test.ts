import type { KubeObject } from "@kubedump/kube";
import { describe, expect, it } from "vitest";
import { equalsLive } from "./live-equality.js";
import { prepare } from "./prepare.js";
import { obj } from "./test-builders.js";

const CONFIGMAPS = { group: "", resource: "configmaps" };

/** What the API server adds to every object it keeps. */
const serverSet = {
  uid: "9a1c0f6e-new",
  resourceVersion: "4711",
  creationTimestamp: "2026-11-26T02:00:00Z",
  generation: 1,
  managedFields: [{ manager: "kubedump", operation: "Update", apiVersion: "v1" }],
};

const configMap = (metadata: Partial<KubeObject["metadata"]> = {}, data: Record<string, string> = { a: "1" }) =>
  obj("v1", "ConfigMap", { name: "c", namespace: "prod", labels: { app: "web" }, ...metadata }, { data });

/** The snapshot's object as the restore writes it. */
const desired = (snapshot: KubeObject, type = CONFIGMAPS) => prepare(snapshot, type).object;

const pod = (spec: Record<string, unknown>, metadata: Partial<KubeObject["metadata"]> = {}) =>
  obj("v1", "Pod", { name: "p", namespace: "prod", ...metadata }, { spec });
const container = { name: "main", image: "web:1", ports: [{ containerPort: 8080, protocol: "TCP" }] };
const service = (spec: Record<string, unknown>) => obj("v1", "Service", { name: "s", namespace: "prod" }, { spec });
const ports = (extra: Record<string, unknown> = {}) => [{ name: "http", port: 80, protocol: "TCP", ...extra }];
const job = (labels: Record<string, string>) =>
  obj(
    "batch/v1",
    "Job",
    { name: "j", namespace: "prod" },
    {
      spec: {
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [container] } },
      },
    },
  );
const owned = (uid: string) =>
  configMap({ ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "o", uid }] });

describe("equalsLive", () => {
  it.each<[string, KubeObject, KubeObject, { group: string; resource: string }?]>([
    ["server-set metadata and status", configMap(), { ...configMap(serverSet), status: { phase: "x" } }],
    [
      "another key order",
      configMap(),
      { data: { a: "1" }, metadata: configMap().metadata, kind: "ConfigMap", apiVersion: "v1" },
    ],
    [
      "annotations kubectl and controllers write",
      configMap(),
      configMap({ annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" } }),
    ],
    [
      "a Pod's node, priority and defaulted fields",
      pod({ containers: [container] }),
      pod(
        {
          containers: [{ ...container, terminationMessagePath: "/dev/termination-log" }],
          nodeName: "node-2",
          dnsPolicy: "ClusterFirst",
          terminationGracePeriodSeconds: 30,
          priority: 0,
          serviceAccountName: "default",
        },
        serverSet,
      ),
      { group: "", resource: "pods" },
    ],
    [
      "a Service's allocated addresses and node ports",
      service({ type: "NodePort", ports: ports({ nodePort: 30080 }), clusterIP: "10.0.0.1" }),
      service({ type: "NodePort", ports: ports({ nodePort: 31999 }), clusterIP: "10.0.0.9", clusterIPs: ["10.0.0.9"] }),
      { group: "", resource: "services" },
    ],
    [
      "a Job's uid labels, which the new cluster sets to the new uid",
      job({ app: "j", "controller-uid": "old", "batch.kubernetes.io/controller-uid": "old" }),
      job({ app: "j", "controller-uid": "new", "batch.kubernetes.io/controller-uid": "new" }),
      { group: "batch", resource: "jobs" },
    ],
    ["owners with the new uids", owned("new-uid"), owned("new-uid")],
  ])("ignores %s", (_what, snapshot, live, type = CONFIGMAPS) => {
    expect(equalsLive(desired(snapshot, type), live, type)).toBe(true);
  });

  it.each<[string, KubeObject, KubeObject]>([
    ["a label", configMap(), configMap({ labels: { app: "web", extra: "x" } })],
    ["a label's value", configMap(), configMap({ labels: { app: "api" } })],
    ["a data key the snapshot lacks", configMap(), configMap({}, { a: "1", b: "2" })],
    ["a data value", configMap(), configMap({}, { a: "2" })],
    ["an annotation a user wrote", configMap(), configMap({ annotations: { owner: "team-b" } })],
    ["an owner still at its old uid", owned("new-uid"), owned("old-uid")],
    [
      "the order of a list",
      obj("rbac.authorization.k8s.io/v1", "Role", { name: "r" }, { rules: [{ verbs: ["get"] }, { verbs: ["list"] }] }),
      obj("rbac.authorization.k8s.io/v1", "Role", { name: "r" }, { rules: [{ verbs: ["list"] }, { verbs: ["get"] }] }),
    ],
  ])("counts %s", (_what, snapshot, live) => {
    expect(equalsLive(desired(snapshot), live, CONFIGMAPS)).toBe(false);
  });

  it("counts a node port kept with preserveNodePorts", () => {
    const type = { group: "", resource: "services" };
    const snapshot = service({ type: "NodePort", ports: ports({ nodePort: 30080 }) });
    const live = service({ type: "NodePort", ports: ports({ nodePort: 31999 }) });
    const kept = prepare(snapshot, type, { preserveNodePorts: true }).object;
    expect(equalsLive(kept, live, type, { preserveNodePorts: true })).toBe(false);
    expect(equalsLive(kept, snapshot, type, { preserveNodePorts: true })).toBe(true);
  });
});
