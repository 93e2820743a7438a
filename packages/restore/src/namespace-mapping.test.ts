import { describe, expect, it } from "vitest";
import { mapNamespaces, NamespaceMappingError, parseNamespaceMappings } from "./namespace-mapping.js";
import { obj } from "./test-builders.js";

describe("parseNamespaceMappings", () => {
  it.each([
    ["prod:prod-copy", [["prod", "prod-copy"]]],
    [
      " a:b , c:d ",
      [
        ["a", "b"],
        ["c", "d"],
      ],
    ],
    [
      "a:c,b:c",
      [
        ["a", "c"],
        ["b", "c"],
      ],
    ],
    [`${"a".repeat(63)}:x`, [["a".repeat(63), "x"]]],
  ])("%j", (value, expected) => {
    expect([...parseNamespaceMappings(value)]).toEqual(expected);
  });

  it.each([
    ["prod", '--namespace-mappings: entry "prod" is not old:new'],
    ["a:b:c", '--namespace-mappings: entry "a:b:c" is not old:new'],
    [":new", '--namespace-mappings: entry ":new" has an empty old namespace'],
    ["old:", '--namespace-mappings: entry "old:" has an empty new namespace'],
    ["a:b,", '--namespace-mappings: "a:b," has an empty entry'],
    ["", '--namespace-mappings: "" has an empty entry'],
    ["Prod:x", '--namespace-mappings: entry "Prod:x": "Prod" is not a namespace name'],
    ["a:-x", '--namespace-mappings: entry "a:-x": "-x" is not a namespace name'],
    ["a:x.y", '--namespace-mappings: entry "a:x.y": "x.y" is not a namespace name'],
    [`a:${"b".repeat(64)}`, `is not a namespace name (at most 63`],
    ["a:b,a:c", '--namespace-mappings: namespace "a" is mapped twice (to "b" and to "c")'],
  ])("rejects %j", (value, message) => {
    expect(() => parseNamespaceMappings(value)).toThrow(NamespaceMappingError);
    expect(() => parseNamespaceMappings(value)).toThrow(message);
  });

  it("names the field it is given", () => {
    expect(() => parseNamespaceMappings("x", "spec.namespaceMappings")).toThrow(/^spec.namespaceMappings: entry "x"/);
  });
});

describe("mapNamespaces", () => {
  const mapping = new Map([
    ["prod", "prod-copy"],
    ["ops", "ops-2"],
  ]);
  const binding = (kind: string, subjects: unknown[]) =>
    obj(
      "rbac.authorization.k8s.io/v1",
      kind,
      { name: "b", ...(kind === "RoleBinding" ? { namespace: "prod" } : {}) },
      {
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
        subjects,
      },
    );
  const subjects = [
    { kind: "ServiceAccount", name: "app", namespace: "prod" },
    { kind: "ServiceAccount", name: "bot", namespace: "other" },
    { kind: "User", name: "prod", apiGroup: "rbac.authorization.k8s.io" },
    { kind: "Group", name: "devs", namespace: "prod", apiGroup: "rbac.authorization.k8s.io" },
  ];
  const mappedSubjects = [{ ...subjects[0], namespace: "prod-copy" }, subjects[1], subjects[2], subjects[3]];

  it.each([
    [
      "a namespaced object",
      obj("v1", "ConfigMap", { name: "c", namespace: "prod" }, { data: { url: "db.prod.svc" } }),
      obj("v1", "ConfigMap", { name: "c", namespace: "prod-copy" }, { data: { url: "db.prod.svc" } }),
    ],
    [
      "a Namespace",
      obj("v1", "Namespace", { name: "prod", labels: { team: "a" } }),
      obj("v1", "Namespace", { name: "prod-copy", labels: { team: "a" } }),
    ],
    [
      "a Namespace's label of its own name",
      obj("v1", "Namespace", { name: "prod", labels: { "kubernetes.io/metadata.name": "prod", team: "a" } }),
      obj("v1", "Namespace", { name: "prod-copy", labels: { "kubernetes.io/metadata.name": "prod-copy", team: "a" } }),
    ],
    ["an unmapped Namespace", obj("v1", "Namespace", { name: "dev" }), obj("v1", "Namespace", { name: "dev" })],
    [
      "a cluster-scoped object named like a namespace",
      obj("rbac.authorization.k8s.io/v1", "ClusterRole", { name: "prod" }),
      obj("rbac.authorization.k8s.io/v1", "ClusterRole", { name: "prod" }),
    ],
    [
      "a RoleBinding's ServiceAccount subjects",
      binding("RoleBinding", subjects),
      { ...binding("RoleBinding", mappedSubjects), metadata: { name: "b", namespace: "prod-copy" } },
    ],
    [
      "a ClusterRoleBinding's ServiceAccount subjects",
      binding("ClusterRoleBinding", subjects),
      binding("ClusterRoleBinding", mappedSubjects),
    ],
    [
      "a PersistentVolume's claimRef",
      obj(
        "v1",
        "PersistentVolume",
        { name: "pv" },
        { spec: { claimRef: { namespace: "ops", name: "data" }, capacity: {} } },
      ),
      obj(
        "v1",
        "PersistentVolume",
        { name: "pv" },
        { spec: { claimRef: { namespace: "ops-2", name: "data" }, capacity: {} } },
      ),
    ],
    [
      "not a webhook's service reference",
      obj(
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
        { name: "w" },
        {
          webhooks: [{ clientConfig: { service: { namespace: "prod", name: "hook" } } }],
        },
      ),
      obj(
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
        { name: "w" },
        {
          webhooks: [{ clientConfig: { service: { namespace: "prod", name: "hook" } } }],
        },
      ),
    ],
  ])("%s", (_, input, expected) => {
    const before = structuredClone(input);
    expect(mapNamespaces(input, mapping)).toEqual(expected);
    expect(input).toEqual(before);
  });

  it("returns the object itself when nothing moves", () => {
    const input = obj("v1", "ConfigMap", { name: "c", namespace: "dev" });
    expect(mapNamespaces(input, mapping)).toBe(input);
    expect(mapNamespaces(obj("v1", "ConfigMap", { name: "c", namespace: "prod" }), new Map())).toEqual(
      obj("v1", "ConfigMap", { name: "c", namespace: "prod" }),
    );
  });
});
