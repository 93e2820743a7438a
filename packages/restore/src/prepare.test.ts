import { SERVER_SET_METADATA } from "@kubedump/dump/sanitize";
import type { KubeObject } from "@kubedump/kube";
import { describe, expect, it } from "vitest";
import { prepare } from "./prepare.js";
import { obj } from "./test-builders.js";

const served = {
  uid: "old-uid",
  resourceVersion: "42",
  creationTimestamp: "2026-01-01T00:00:00Z",
  generation: 3,
  managedFields: [{ manager: "kubectl" }],
  selfLink: "/api/v1/x",
  deletionTimestamp: "2026-01-02T00:00:00Z",
};
const core = { group: "", resource: "" };

const service = (spec: Record<string, unknown>) =>
  obj("v1", "Service", { name: "web", namespace: "x" }, { spec: { ...spec, ports: [{ port: 80, nodePort: 30080 }] } });

describe("prepare", () => {
  it("drops what the server set, keeping labels, annotations of the user and owners", () => {
    const ownerReferences = [{ apiVersion: "v1", kind: "ConfigMap", name: "o", uid: "u", controller: true }];
    const input = obj(
      "v1",
      "ConfigMap",
      { name: "c", namespace: "x", labels: { a: "1" }, annotations: { mine: "yes" }, ownerReferences, ...served },
      { data: { k: "v" }, status: { phase: "x" } },
    );
    const { object, status } = prepare(input, { group: "", resource: "configmaps" });
    expect(object).toEqual(
      obj(
        "v1",
        "ConfigMap",
        { name: "c", namespace: "x", labels: { a: "1" }, annotations: { mine: "yes" }, ownerReferences },
        { data: { k: "v" } },
      ),
    );
    for (const field of SERVER_SET_METADATA) expect(object.metadata).not.toHaveProperty(field);
    expect(status).toBeUndefined();
    expect(input.metadata.uid).toBe("old-uid"); // the input is left as it was
  });

  it.each([
    ["a --restore-status type", new Set(["deployments.apps"]), { replicas: 2 }],
    ["another type", new Set(["statefulsets.apps"]), undefined],
    ["no --restore-status", undefined, undefined],
  ])("keeps the status apart for %s", (_, restoreStatus, expected) => {
    const input = obj("apps/v1", "Deployment", { name: "d", namespace: "x" }, { spec: {}, status: { replicas: 2 } });
    const prepared = prepare(input, { group: "apps", resource: "deployments" }, { restoreStatus });
    expect(prepared.status).toEqual(expected);
    expect(prepared.object).not.toHaveProperty("status");
  });

  it.each([
    ["allocated cluster IPs", { clusterIP: "10.0.0.7", clusterIPs: ["10.0.0.7"] }, {}],
    [
      "a headless Service's None",
      { clusterIP: "None", clusterIPs: ["None"] },
      { clusterIP: "None", clusterIPs: ["None"] },
    ],
    ["healthCheckNodePort", { type: "LoadBalancer", healthCheckNodePort: 31000 }, { type: "LoadBalancer" }],
  ])("Service: %s", (_, spec, expected) => {
    const { object } = prepare(service(spec), core);
    expect(object["spec"]).toEqual({ ...expected, ports: [{ port: 80 }] });
  });

  it("Service: keeps nodePorts and healthCheckNodePort with preserveNodePorts", () => {
    const input = service({ type: "LoadBalancer", healthCheckNodePort: 31000 });
    const { object } = prepare(input, core, { preserveNodePorts: true });
    expect(object["spec"]).toEqual({
      type: "LoadBalancer",
      healthCheckNodePort: 31000,
      ports: [{ port: 80, nodePort: 30080 }],
    });
  });

  it("PersistentVolumeClaim: drops the binding annotations", () => {
    const annotations = {
      "pv.kubernetes.io/bind-completed": "yes",
      "pv.kubernetes.io/bound-by-controller": "yes",
      "volume.kubernetes.io/selected-node": "node-1",
      "volume.kubernetes.io/storage-provisioner": "csi.example.com",
      "volume.beta.kubernetes.io/storage-provisioner": "csi.example.com",
    };
    const claim = (extra: Record<string, string>) =>
      obj(
        "v1",
        "PersistentVolumeClaim",
        { name: "data", namespace: "x", annotations: { ...annotations, ...extra } },
        {
          spec: { volumeName: "pv-1" },
        },
      );
    expect(prepare(claim({}), core).object.metadata).toEqual({ name: "data", namespace: "x" });
    expect(prepare(claim({ keep: "me" }), core).object.metadata.annotations).toEqual({ keep: "me" });
    expect(prepare(claim({}), core).object["spec"]).toEqual({ volumeName: "pv-1" });
  });

  it("PersistentVolume: the claimRef loses the old claim's uid, keeping its name", () => {
    const claimRef = { kind: "PersistentVolumeClaim", namespace: "x", name: "data", uid: "old", resourceVersion: "9" };
    const { object } = prepare(obj("v1", "PersistentVolume", { name: "pv-1" }, { spec: { claimRef } }), core);
    expect(object["spec"]).toEqual({ claimRef: { kind: "PersistentVolumeClaim", namespace: "x", name: "data" } });
  });

  it("Pod: drops nodeName and priority, keeps priorityClassName", () => {
    const spec = {
      nodeName: "node-1",
      priority: 1000,
      priorityClassName: "high",
      containers: [{ name: "c", image: "i" }],
    };
    const { object } = prepare(obj("v1", "Pod", { name: "p", namespace: "x" }, { spec }), core);
    expect(object["spec"]).toEqual({ priorityClassName: "high", containers: [{ name: "c", image: "i" }] });
  });

  it.each([
    [
      "drops the uid labels of a generated selector",
      undefined,
      { "job-name": "j", "batch.kubernetes.io/job-name": "j" },
    ],
    [
      "keeps a manual selector",
      true,
      {
        "controller-uid": "old",
        "batch.kubernetes.io/controller-uid": "old",
        "job-name": "j",
        "batch.kubernetes.io/job-name": "j",
      },
    ],
  ])("Job: %s", (_, manualSelector, expected) => {
    const labels = {
      "controller-uid": "old",
      "batch.kubernetes.io/controller-uid": "old",
      "job-name": "j",
      "batch.kubernetes.io/job-name": "j",
    };
    const spec = {
      ...(manualSelector ? { manualSelector } : {}),
      selector: { matchLabels: { ...labels } },
      template: { metadata: { labels: { ...labels } }, spec: { containers: [] } },
    };
    const { object } = prepare(obj("batch/v1", "Job", { name: "j", namespace: "x" }, { spec }), core);
    const out = object["spec"] as { selector: { matchLabels: unknown }; template: { metadata: { labels: unknown } } };
    expect(out.selector.matchLabels).toEqual(expected);
    expect(out.template.metadata.labels).toEqual(expected);
  });

  it("leaves a custom resource's spec alone", () => {
    const input: KubeObject = obj(
      "example.com/v1",
      "Service",
      { name: "w", namespace: "x" },
      {
        spec: { clusterIP: "10.0.0.1", ports: [{ nodePort: 1 }] },
      },
    );
    expect(prepare(input, { group: "example.com", resource: "services" }).object["spec"]).toEqual(input["spec"]);
  });
});
