import type { IndexRecord } from "@kubedump/repository/archive";
import { describe, expect, it } from "vitest";
import { typeKeyOf } from "./keys.js";
import { CRD_TYPE, OTHER_STAGE, planRestore, RESTORE_LAST, RESTORE_PRIORITIES } from "./plan.js";
import { rec } from "./test-builders.js";

/** Each step as `stage/depth: name name …`. */
const shape = (records: IndexRecord[]) =>
  planRestore(records).steps.map((s) => `${s.stage}/${s.depth}: ${s.records.map((r) => r.name).join(" ")}`);

describe("planRestore", () => {
  it("orders types by the priority list, then the others, then the last list", () => {
    const types = [
      "validatingwebhookconfigurations.admissionregistration.k8s.io",
      "widgets.example.com",
      "pods",
      "replicasets.apps",
      "deployments.apps",
      "services",
      "rolebindings.rbac.authorization.k8s.io",
      "clusterroles.rbac.authorization.k8s.io",
      "persistentvolumeclaims",
      "persistentvolumes",
      "configmaps",
      "secrets",
      "serviceaccounts",
      "storageclasses.storage.k8s.io",
      "namespaces",
      CRD_TYPE,
      "ingresses.networking.k8s.io",
    ];
    const plan = planRestore(types.map((t, i) => rec(t, `o${i}`, { ns: "prod" })));
    expect(plan.steps.map((s) => s.stage)).toEqual([
      CRD_TYPE,
      "namespaces",
      "storageclasses.storage.k8s.io",
      "serviceaccounts",
      "secrets",
      "configmaps",
      "persistentvolumes",
      "persistentvolumeclaims",
      "clusterroles.rbac.authorization.k8s.io",
      "rolebindings.rbac.authorization.k8s.io",
      "services",
      "deployments.apps",
      "replicasets.apps",
      "pods",
      OTHER_STAGE,
      "validatingwebhookconfigurations.admissionregistration.k8s.io",
    ]);
    const others = plan.steps.find((s) => s.stage === OTHER_STAGE)!.records.map(typeKeyOf);
    expect(others).toEqual(["widgets.example.com", "ingresses.networking.k8s.io"]); // in index order
    expect(plan.cycles).toEqual([]);
  });

  it.each([
    ["only the CRD step waits for Established", [CRD_TYPE], [true]],
    ["a plan without CRDs never waits", ["namespaces", "configmaps"], [false, false]],
  ])("%s", (_, types, waits) => {
    expect(planRestore(types.map((t) => rec(t, "x"))).steps.map((s) => s.awaitEstablished)).toEqual(waits);
  });

  it("writes an ownership chain three deep from the top down", () => {
    const deploy = rec("deployments.apps", "web", { ns: "prod" });
    const rs = rec("replicasets.apps", "web-1", { ns: "prod", owners: [deploy] });
    const pod = rec("pods", "web-1-a", { ns: "prod", owners: [rs] });
    expect(shape([pod, rs, deploy])).toEqual([
      "deployments.apps/0: web",
      "replicasets.apps/0: web-1",
      "pods/0: web-1-a",
    ]);
  });

  it.each([
    ["a Secret owned by a custom resource moves after its owner", "secrets", "widgets.example.com", OTHER_STAGE, 1],
    ["a ConfigMap owned by a ConfigMap goes one step deeper", "configmaps", "configmaps", "configmaps", 1],
    ["a Pod owned by a Secret keeps its later stage", "pods", "secrets", "pods", 0],
  ])("%s", (_, dependentType, ownerType, stage, depth) => {
    const owner = rec(ownerType, "owner", { ns: "prod" });
    const dependent = rec(dependentType, "dependent", { ns: "prod", owners: [owner] });
    const { steps } = planRestore([dependent, owner]);
    const step = steps.find((s) => s.records.includes(dependent))!;
    expect({ stage: step.stage, depth: step.depth }).toEqual({ stage, depth });
    expect(steps.indexOf(step)).toBeGreaterThan(steps.findIndex((s) => s.records.includes(owner)));
  });

  it("puts records that do not own one another in one step, in index order", () => {
    const a = rec("configmaps", "a", { ns: "x" });
    const b = rec("configmaps", "b", { ns: "y" });
    const c = rec("configmaps", "c", { ns: "x", owners: [a] });
    expect(shape([b, c, a])).toEqual(["configmaps/0: b a", "configmaps/1: c"]);
  });

  it("ignores owners outside the snapshot and repeated references", () => {
    const owner = rec("configmaps", "owner", { ns: "x" });
    const dependent = rec("configmaps", "dep", { ns: "x", owners: [owner, owner, rec("deployments.apps", "gone")] });
    expect(shape([dependent, owner])).toEqual(["configmaps/0: owner", "configmaps/1: dep"]);
  });

  it("breaks a cycle at its earliest record and reports it", () => {
    const a = rec("configmaps", "a", { ns: "x", uid: "ua" });
    const b = rec("configmaps", "b", { ns: "x", uid: "ub", owners: [a] });
    a.ownerReferences = [{ apiVersion: "v1", kind: "ConfigMap", name: "b", uid: "ub" }];
    const downstream = rec("configmaps", "c", { ns: "x", owners: [b] });
    const plan = planRestore([downstream, a, b]);
    expect(shape([downstream, a, b])).toEqual(["configmaps/0: a", "configmaps/1: b", "configmaps/2: c"]);
    expect(plan.cycles.map((c) => [c.record.name, c.owner.name, c.cycle.map((r) => r.name)])).toEqual([
      ["a", "b", ["a", "b"]],
    ]);
  });

  it("breaks a self-reference and two separate cycles", () => {
    const self = rec("configmaps", "self", { ns: "x", uid: "us" });
    self.ownerReferences = [{ apiVersion: "v1", kind: "ConfigMap", name: "self", uid: "us" }];
    const [p, q, r] = ["p", "q", "r"].map((n) => rec("secrets", n, { ns: "x", uid: `u${n}` })) as [
      IndexRecord,
      IndexRecord,
      IndexRecord,
    ];
    p.ownerReferences = [{ apiVersion: "v1", kind: "Secret", name: "r", uid: "ur" }];
    q.ownerReferences = [{ apiVersion: "v1", kind: "Secret", name: "p", uid: "up" }];
    r.ownerReferences = [{ apiVersion: "v1", kind: "Secret", name: "q", uid: "uq" }];
    const plan = planRestore([q, self, r, p]);
    expect(plan.cycles.map((c) => `${c.record.name}<-${c.owner.name}: ${c.cycle.map((m) => m.name)}`)).toEqual([
      "q<-p: q,p,r",
      "self<-self: self",
    ]);
    expect(shape([q, self, r, p])).toEqual(["secrets/0: q", "secrets/1: r", "secrets/2: p", "configmaps/0: self"]);
    expect(plan.steps.flatMap((s) => s.records)).toHaveLength(4);
  });

  it("handles a chain of 20,000 without recursion", () => {
    const chain = [rec("configmaps", "c0", { ns: "x" })];
    for (let i = 1; i < 20_000; i++) chain.push(rec("configmaps", `c${i}`, { ns: "x", owners: [chain[i - 1]!] }));
    const steps = planRestore(chain.reverse()).steps;
    expect(steps).toHaveLength(20_000);
    expect(steps[19_999]!.records[0]!.name).toBe("c19999");
  });

  it("takes other priority and last lists", () => {
    const records = [rec("pods", "p"), rec("secrets", "s"), rec("configmaps", "c")];
    const plan = planRestore(records, { priorities: ["pods"], last: ["secrets"] });
    expect(plan.steps.map((s) => s.stage)).toEqual(["pods", OTHER_STAGE, "secrets"]);
  });

  it("lists each type once across the priority and last lists", () => {
    const all = [...RESTORE_PRIORITIES, ...RESTORE_LAST];
    expect(new Set(all).size).toBe(all.length);
    expect(all).not.toContain(OTHER_STAGE);
  });
});
