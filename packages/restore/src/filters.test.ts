import { SelectorSyntaxError } from "@kubedump/api";
import { UnknownResourceError } from "@kubedump/dump/filters";
import type { ResourceType } from "@kubedump/kube";
import { describe, expect, it } from "vitest";
import { compileRestoreFilters, type RestoreFilters } from "./filters.js";
import { CRD_TYPE } from "./plan.js";
import { obj, rec } from "./test-builders.js";

const labels: Record<string, Record<string, string>> = {
  "web-config": { app: "web" },
  web: { app: "web" },
  "db-config": { tier: "db" },
};

const records = [
  rec("namespaces", "prod"),
  rec("namespaces", "dev"),
  rec("namespaces", "kube-system"),
  rec("configmaps", "web-config", { ns: "prod" }),
  rec("configmaps", "db-config", { ns: "dev" }),
  rec("configmaps", "coredns", { ns: "kube-system" }),
  rec("deployments.apps", "web", { ns: "prod" }),
  rec("clusterroles.rbac.authorization.k8s.io", "view", { kind: "ClusterRole" }),
  rec(CRD_TYPE, "widgets.example.com"),
  rec("widgets.example.com", "w1", { ns: "prod" }),
  rec("events", "e1", { ns: "prod", kind: "Event" }),
];

/** The names of the records the filters keep, reading each object with its labels. */
function kept(filters: RestoreFilters, served: ResourceType[] = []): string[] {
  const filter = compileRestoreFilters(filters, records, served);
  return records
    .filter((r) => filter.keepRecord(r))
    .filter((r) => {
      const metadata = { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) };
      const object = obj(r.group ? `${r.group}/v1` : "v1", r.kind, { ...metadata, labels: labels[r.name] ?? {} });
      return filter.keepObject(object, r);
    })
    .map((r) => r.name);
}

const all = [
  "prod",
  "dev",
  "kube-system",
  "web-config",
  "db-config",
  "coredns",
  "web",
  "view",
  "widgets.example.com",
  "w1",
];

describe("compileRestoreFilters", () => {
  it.each<[string, RestoreFilters, string[]]>([
    ["no filters: everything but Events", {}, all],
    [
      "includeNamespaces: its Namespace, its objects, no cluster-scoped ones",
      { includeNamespaces: ["prod"] },
      ["prod", "web-config", "web", "w1"],
    ],
    [
      "includeNamespaces with includeClusterResources",
      { includeNamespaces: ["prod"], includeClusterResources: true },
      ["prod", "web-config", "web", "view", "widgets.example.com", "w1"],
    ],
    [
      "includeClusterResources false keeps Namespaces",
      { includeClusterResources: false },
      ["prod", "dev", "kube-system", "web-config", "db-config", "coredns", "web", "w1"],
    ],
    [
      "excludeNamespaces globs",
      { excludeNamespaces: ["kube-*", "dev"] },
      ["prod", "web-config", "web", "view", "widgets.example.com", "w1"],
    ],
    ["includeResources", { includeResources: ["configmaps"] }, ["web-config", "db-config", "coredns"]],
    [
      "includeResources with globs",
      { includeResources: ["*.apps", "namespaces"] },
      ["prod", "dev", "kube-system", "web"],
    ],
    [
      "excludeResources",
      { excludeResources: ["configmaps", "*.example.com"] },
      ["prod", "dev", "kube-system", "web", "view", "widgets.example.com"],
    ],
    [
      "ignoreGroupKinds",
      { ignoreGroupKinds: ["Widget.example.com", "ClusterRole.rbac.authorization.k8s.io"] },
      ["prod", "dev", "kube-system", "web-config", "db-config", "coredns", "web", "widgets.example.com"],
    ],
    ["Events when asked for by name", { includeResources: ["events"] }, ["e1"]],
    [
      "a label selector, Namespaces whatever their labels",
      { labelSelector: "app=web" },
      ["prod", "dev", "kube-system", "web-config", "web"],
    ],
    [
      "or-selectors",
      { orLabelSelectors: ["tier=db", "app=web"] },
      ["prod", "dev", "kube-system", "web-config", "db-config", "web"],
    ],
    [
      "a label selector and or-selectors",
      { labelSelector: "app", orLabelSelectors: ["tier=db"] },
      ["prod", "dev", "kube-system"],
    ],
    ["a selector with a namespace filter", { labelSelector: "app=web", includeNamespaces: ["dev"] }, ["dev"]],
  ])("%s", (_, filters, expected) => {
    expect(kept(filters)).toEqual(expected);
  });

  it.each<[RestoreFilters, string]>([
    [{ includeResources: ["deploymentz.apps"] }, 'includeResources: the cluster serves no "deploymentz.apps"'],
    [{ excludeResources: ["statefulsets.apps"] }, 'excludeResources: the cluster serves no "statefulsets.apps"'],
    [{ ignoreGroupKinds: ["Widget"] }, 'ignoreGroupKinds: the cluster serves no "Widget"'],
  ])("rejects a name neither the snapshot nor the cluster has: %j", (filters, message) => {
    expect(() => compileRestoreFilters(filters, records)).toThrow(UnknownResourceError);
    expect(() => compileRestoreFilters(filters, records)).toThrow(message);
  });

  it("accepts a type the cluster serves but the snapshot lacks", () => {
    const statefulsets: ResourceType = {
      group: "apps",
      version: "v1",
      resource: "statefulsets",
      kind: "StatefulSet",
      namespaced: true,
      verbs: ["list"],
      key: "statefulsets.apps",
      apiPath: "/apis/apps/v1",
    };
    expect(kept({ excludeResources: ["statefulsets.apps"] }, [statefulsets])).toEqual(all);
  });

  it("rejects a bad selector, naming it", () => {
    expect(() => compileRestoreFilters({ orLabelSelectors: ["a", "b in ("] }, records)).toThrow(SelectorSyntaxError);
    expect(() => compileRestoreFilters({ orLabelSelectors: ["a", "b in ("] }, records)).toThrow(
      /orLabelSelectors\[1\]/,
    );
  });
});
