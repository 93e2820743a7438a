import { describe, expect, it } from "vitest";
import { parseObjectRef } from "./object-ref.js";
import { UsageError } from "./target.js";

describe("parseObjectRef", () => {
  it.each([
    ["deployments.apps/prod/web", { group: "apps", resource: "deployments", namespace: "prod", name: "web" }],
    ["configmaps/prod/settings", { group: "", resource: "configmaps", namespace: "prod", name: "settings" }],
    ["namespaces/prod", { group: "", resource: "namespaces", name: "prod" }],
    [
      "clusterroles.rbac.authorization.k8s.io/system:controller:job",
      { group: "rbac.authorization.k8s.io", resource: "clusterroles", name: "system:controller:job" },
    ],
  ])("%s", (ref, expected) => {
    expect(parseObjectRef(ref)).toEqual(expected);
  });

  it.each(["web", "deployments.apps/prod/web/x", "deployments//web", "Deployment/prod/web", "/prod/web"])(
    "refuses %s, naming the forms it takes",
    (ref) => {
      expect(() => parseObjectRef(ref)).toThrow(UsageError);
      expect(() => parseObjectRef(ref)).toThrow(/<resource\[\.group\]>\/<namespace>\/<name>/);
    },
  );
});
