import { createKubeClient, discoverResources } from "@kubedump/kube";
import { applyBrokenApiService, type ExtraCluster, seedCluster, startExtraCluster } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDump } from "./index.js";
import { memorySink, P, SHOP, shopAll } from "./test-support.js";

describe("a broken aggregated API", () => {
  // On a private kube-apiserver + etcd: a broken APIService degrades discovery for every client,
  // and the shared server is used by other test files at the same time.
  const group = `broken-${P}.example.com`;
  let priv: ExtraCluster;
  let privClient: ReturnType<typeof createKubeClient>;
  beforeAll(async () => {
    priv = await startExtraCluster();
    privClient = createKubeClient({ kubeconfig: priv.kubeconfig });
    await seedCluster(priv, P);
  });
  afterAll(async () => {
    privClient?.close();
    await priv?.stop();
  });

  it("is a warning naming the group, and every other object is still in the snapshot", async () => {
    await applyBrokenApiService(priv, group);
    const sink = memorySink();
    const result = await runDump({ client: privClient, sink }, { scope: { type: "namespace", namespace: SHOP } });
    expect(result.warnings.some((w) => w.includes(`${group}/v1`))).toBe(true);
    expect([...sink.files.keys()].sort()).toEqual([`cluster/namespaces/${SHOP}.yaml`, ...shopAll].sort());
    // Servers without aggregated discovery: the group's own request fails, with the same outcome.
    const legacy = await discoverResources(privClient, { aggregated: false });
    expect(legacy.warnings.map((w) => w.groupVersion)).toEqual([`${group}/v1`]);
    expect(legacy.resources.map((r) => r.key)).toEqual(
      (await discoverResources(privClient)).resources.map((r) => r.key),
    );
  });
});
