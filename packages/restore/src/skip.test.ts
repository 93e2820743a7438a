import type { KubeObject } from "@kubedump/kube";
import type { IndexRecord } from "@kubedump/repository/archive";
import { describe, expect, it } from "vitest";
import { hasSelector, SKIP_REASONS, type SkipContext, skipReason } from "./skip.js";
import { obj, rec } from "./test-builders.js";

const secret = (type?: string) => obj("v1", "Secret", { name: "s", namespace: "x" }, type ? { type } : {});
const slice = (manager?: string) =>
  obj("discovery.k8s.io/v1", "EndpointSlice", {
    name: "web-abc",
    namespace: "x",
    ...(manager ? { labels: { "endpointslice.kubernetes.io/managed-by": manager } } : {}),
  });

describe("skipReason", () => {
  const cases: [string, IndexRecord, KubeObject | undefined, SkipContext, string | undefined][] = [
    ["a Node", rec("nodes", "n1"), undefined, {}, SKIP_REASONS.node],
    ["a core Event", rec("events", "e", { ns: "x" }), undefined, {}, SKIP_REASONS.event],
    ["an events.k8s.io Event", rec("events.events.k8s.io", "e", { ns: "x" }), undefined, {}, SKIP_REASONS.event],
    ["a Lease", rec("leases.coordination.k8s.io", "l", { ns: "x" }), undefined, {}, SKIP_REASONS.lease],
    [
      "a BackupSession",
      rec("backupsessions.kubedump.io", "b", { ns: "x" }),
      undefined,
      {},
      SKIP_REASONS.kubedumpSession,
    ],
    [
      "a RestoreSession",
      rec("restoresessions.kubedump.io", "r", { ns: "x" }),
      undefined,
      {},
      SKIP_REASONS.kubedumpSession,
    ],
    ["kube-root-ca.crt", rec("configmaps", "kube-root-ca.crt", { ns: "x" }), undefined, {}, SKIP_REASONS.rootCa],
    ["another ConfigMap", rec("configmaps", "kube-root-ca", { ns: "x" }), undefined, {}, undefined],
    [
      "a token Secret",
      rec("secrets", "s", { ns: "x" }),
      secret("kubernetes.io/service-account-token"),
      {},
      SKIP_REASONS.serviceAccountToken,
    ],
    ["an Opaque Secret", rec("secrets", "s", { ns: "x" }), secret("Opaque"), {}, undefined],
    ["a Secret without its object", rec("secrets", "s", { ns: "x" }), undefined, {}, undefined],
    [
      "a controller's EndpointSlice",
      rec("endpointslices.discovery.k8s.io", "web-abc", { ns: "x" }),
      slice("endpointslice-controller.k8s.io"),
      {},
      SKIP_REASONS.endpointSlice,
    ],
    [
      "a mirrored EndpointSlice",
      rec("endpointslices.discovery.k8s.io", "web-abc", { ns: "x" }),
      slice("endpointslicemirroring-controller.k8s.io"),
      {},
      SKIP_REASONS.endpointSlice,
    ],
    [
      "a user's EndpointSlice",
      rec("endpointslices.discovery.k8s.io", "web-abc", { ns: "x" }),
      slice("me"),
      {},
      undefined,
    ],
    [
      "an unlabelled EndpointSlice",
      rec("endpointslices.discovery.k8s.io", "web-abc", { ns: "x" }),
      slice(),
      {},
      undefined,
    ],
    [
      "Endpoints of a Service with a selector",
      rec("endpoints", "web", { ns: "x" }),
      undefined,
      { servicesWithSelector: new Set(["x/web"]) },
      SKIP_REASONS.endpoints,
    ],
    [
      "Endpoints of the same name elsewhere",
      rec("endpoints", "web", { ns: "y" }),
      undefined,
      { servicesWithSelector: new Set(["x/web"]) },
      undefined,
    ],
    [
      "Endpoints of a Service without a selector",
      rec("endpoints", "db", { ns: "x" }),
      undefined,
      { servicesWithSelector: new Set(["x/web"]) },
      undefined,
    ],
    ["a Deployment", rec("deployments.apps", "web", { ns: "x" }), undefined, {}, undefined],
  ];

  it.each(cases)("%s", (_, record, object, ctx, reason) => {
    expect(skipReason(record, object, ctx)).toBe(reason);
  });

  describe("--skip-owned", () => {
    const deploy = rec("deployments.apps", "web", { ns: "x" });
    const rs = rec("replicasets.apps", "web-1", { ns: "x", owners: [deploy], controller: true });
    const pod = rec("pods", "web-1-a", { ns: "x", owners: [rs], controller: true });
    const adopted = rec("configmaps", "c", { ns: "x", owners: [deploy], controller: false });
    const selected = new Set([deploy.uid, rs.uid, pod.uid, adopted.uid]);

    it.each([
      ["the ReplicaSet of a restored Deployment", rs, { skipOwned: true, selectedUids: selected }, "Deployment web"],
      ["a Pod down the same chain", pod, { skipOwned: true, selectedUids: selected }, "ReplicaSet web-1"],
      ["a dependent that is not controlled", adopted, { skipOwned: true, selectedUids: selected }, undefined],
      ["a dependent whose owner is not selected", rs, { skipOwned: true, selectedUids: new Set([rs.uid]) }, undefined],
      ["any dependent without --skip-owned", rs, { selectedUids: selected }, undefined],
      ["the top of the chain", deploy, { skipOwned: true, selectedUids: selected }, undefined],
    ])("%s", (_, record, ctx: SkipContext, owner) => {
      const reason = skipReason(record, undefined, ctx);
      if (owner === undefined) expect(reason).toBeUndefined();
      else expect(reason).toBe(`--skip-owned: its controller ${owner} is restored and recreates it`);
    });
  });
});

describe("hasSelector", () => {
  it.each([
    [{ selector: { app: "web" } }, true],
    [{ selector: {} }, false],
    [{ type: "ExternalName" }, false],
    [undefined, false],
  ])("spec %j: %s", (spec, expected) => {
    expect(hasSelector(obj("v1", "Service", { name: "s" }, spec ? { spec } : {}))).toBe(expected);
  });
});
