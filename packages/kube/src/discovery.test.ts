import { describe, expect, inject, it } from "vitest";
import { createKubeClient } from "./client.js";
import { discoverResources } from "./discovery.js";

const env = inject("testenv");

describe("discoverResources", () => {
  it("finds the same built-in resources through aggregated discovery as group by group", async () => {
    const client = createKubeClient({ kubeconfig: env.kubeconfig });
    try {
      // Other test files add CRDs to this server meanwhile: compare the built-in groups only.
      const builtIn = (r: { group: string }) => !r.group.endsWith(".example.com");
      const [aggregated, legacy] = [
        await discoverResources(client),
        await discoverResources(client, { aggregated: false }),
      ];
      const shape = (d: typeof aggregated) =>
        d.resources
          .filter(builtIn)
          .map(({ key, kind, version, namespaced, apiPath }) => ({ key, kind, version, namespaced, apiPath }));
      expect(shape(aggregated)).toEqual(shape(legacy));
      expect(shape(aggregated)).toEqual(
        expect.arrayContaining([
          { key: "configmaps", kind: "ConfigMap", version: "v1", namespaced: true, apiPath: "/api/v1" },
          { key: "deployments.apps", kind: "Deployment", version: "v1", namespaced: true, apiPath: "/apis/apps/v1" },
          {
            key: "clusterroles.rbac.authorization.k8s.io",
            kind: "ClusterRole",
            version: "v1",
            namespaced: false,
            apiPath: "/apis/rbac.authorization.k8s.io/v1",
          },
        ]),
      );
      // A stable order for every backup: by key, code point by code point.
      const keys = aggregated.resources.map((r) => r.key);
      expect(keys).toEqual([...keys].sort());
      // Aliases are taken once, subresources never.
      expect(aggregated.resources.map((r) => r.key)).not.toContain("events.events.k8s.io");
      expect(aggregated.resources.some((r) => r.resource.includes("/"))).toBe(false);
      expect(aggregated.serverVersion).toBe("v1.36.3");
      expect(aggregated.warnings.filter((w) => !w.group.endsWith(".example.com"))).toEqual([]);
    } finally {
      client.close();
    }
  });
});
