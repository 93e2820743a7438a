import { describe, expect, it } from "vitest";
import { type RecordCoordinates, type RecordFilterOptions, recordFilter } from "./record-filter.js";

const cm = (namespace: string, name = "x"): RecordCoordinates => ({
  group: "",
  resource: "configmaps",
  kind: "ConfigMap",
  namespace,
  name,
});
const deploy: RecordCoordinates = {
  group: "apps",
  resource: "deployments",
  kind: "Deployment",
  namespace: "prod",
  name: "web",
};
const ns = (name: string): RecordCoordinates => ({ group: "", resource: "namespaces", kind: "Namespace", name });
const role: RecordCoordinates = {
  group: "rbac.authorization.k8s.io",
  resource: "clusterroles",
  kind: "ClusterRole",
  name: "r",
};
const all = [cm("prod"), cm("dev"), deploy, ns("prod"), ns("dev"), role];
const label = (r: RecordCoordinates) => `${r.resource}/${r.namespace ?? ""}/${r.name}`;

describe("recordFilter", () => {
  it.each<[string, RecordFilterOptions, string[]]>([
    ["nothing", {}, all.map(label)],
    [
      "includeNamespaces",
      { includeNamespaces: ["pro*"] },
      ["configmaps/prod/x", "deployments/prod/web", "namespaces//prod"],
    ],
    [
      "includeNamespaces with cluster resources",
      { includeNamespaces: ["prod"], includeClusterResources: true },
      ["configmaps/prod/x", "deployments/prod/web", "namespaces//prod", "clusterroles//r"],
    ],
    ["excludeNamespaces", { excludeNamespaces: ["prod"] }, ["configmaps/dev/x", "namespaces//dev", "clusterroles//r"]],
    [
      "includeResources",
      { includeResources: ["deployments.apps", "namespaces"] },
      ["deployments/prod/web", "namespaces//prod", "namespaces//dev"],
    ],
    [
      "excludeResources with a glob",
      { excludeResources: ["*.apps", "clusterroles.*"] },
      ["configmaps/prod/x", "configmaps/dev/x", "namespaces//prod", "namespaces//dev"],
    ],
    [
      "ignoreGroupKinds",
      { ignoreGroupKinds: ["ConfigMap", "ClusterRole.rbac.authorization.k8s.io"] },
      ["deployments/prod/web", "namespaces//prod", "namespaces//dev"],
    ],
    [
      "no cluster resources",
      { includeClusterResources: false },
      ["configmaps/prod/x", "configmaps/dev/x", "deployments/prod/web"],
    ],
  ])("%s", (_, options, kept) => {
    expect(all.filter(recordFilter(options)).map(label)).toEqual(kept);
  });
});
