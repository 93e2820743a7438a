import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKubeClient, discoverResources } from "@kubedump/kube";
import { createPki, kubeHttp, seedCluster, startEtcd, startKubeApiServer } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDump } from "./index.js";
import { memorySink, P, SHOP, shopAll } from "./test-support.js";

describe("a broken aggregated API", () => {
  // On a private kube-apiserver + etcd: a broken APIService degrades discovery for every client,
  // and the shared server is used by other test files at the same time.
  const group = `broken-${P}.example.com`;
  const name = `v1.${group}`;
  let dir: string;
  let servers: { stop(): Promise<void> }[] = [];
  let priv: Parameters<typeof kubeHttp>[0];
  let privClient: ReturnType<typeof createKubeClient>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kubedump-broken-api-"));
    const etcd = await startEtcd(dir);
    servers.push(etcd.process);
    const api = await startKubeApiServer(dir, createPki(dir), etcd.url);
    servers = [api.process, ...servers];
    priv = { kubeApiUrl: api.url, caPem: api.caPem, adminCertPem: api.admin.certPem, adminKeyPem: api.admin.keyPem };
    privClient = createKubeClient({ kubeconfig: api.kubeconfigPath });
    await seedCluster(priv, P);
  });
  afterAll(async () => {
    privClient?.close();
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is a warning naming the group, and every other object is still in the snapshot", async () => {
    const created = await kubeHttp(priv, "/apis/apiregistration.k8s.io/v1/apiservices", {
      body: {
        apiVersion: "apiregistration.k8s.io/v1",
        kind: "APIService",
        metadata: { name },
        spec: {
          group,
          version: "v1",
          service: { namespace: "kube-system", name: "no-such-service", port: 443 },
          insecureSkipTLSVerify: true,
          groupPriorityMinimum: 1000,
          versionPriority: 15,
        },
      },
    });
    expect(created.status).toBe(201);
    for (let i = 0; i < 100; i++) {
      const groups = (await kubeHttp(priv, "/apis")).body.groups as { name: string }[];
      if (groups.some((g) => g.name === group)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
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
