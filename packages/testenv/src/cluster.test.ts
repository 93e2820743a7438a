import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExtraCluster, startExtraCluster } from "./cluster.js";
import { kubeHttp } from "./kube-http.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value other than undefined, or fails after `ms`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describe("a second cluster with kube-controller-manager", () => {
  let cluster: ExtraCluster;
  const api = (path: string, opts?: Parameters<typeof kubeHttp>[2]) => kubeHttp(cluster, path, opts);

  beforeAll(async () => {
    cluster = await startExtraCluster({ controllers: true });
  });
  afterAll(() => cluster?.stop());

  it("is empty of our objects and separate from the shared one", async () => {
    const res = await api("/api/v1/namespaces");
    expect(res.status).toBe(200);
    const names = res.body.items.map((n: { metadata: { name: string } }) => n.metadata.name);
    expect(names).toContain("default");
    expect(names.some((n: string) => n.startsWith("kd-"))).toBe(false);
  });

  it("publishes kube-root-ca.crt and a default ServiceAccount into a new namespace", async () => {
    expect((await api("/api/v1/namespaces", { body: { metadata: { name: "kcm-ca" } } })).status).toBe(201);
    await eventually("kube-root-ca.crt", async () =>
      (await api("/api/v1/namespaces/kcm-ca/configmaps/kube-root-ca.crt")).status === 200 ? true : undefined,
    );
    await eventually("the default ServiceAccount", async () =>
      (await api("/api/v1/namespaces/kcm-ca/serviceaccounts/default")).status === 200 ? true : undefined,
    );
  });

  it("garbage-collects an object whose owner uid does not exist, and keeps one whose owner does", async () => {
    const ns = "kcm-gc";
    await api("/api/v1/namespaces", { body: { metadata: { name: ns } } });
    const owner = await api(`/api/v1/namespaces/${ns}/configmaps`, { body: { metadata: { name: "owner" } } });
    expect(owner.status).toBe(201);
    const ref = (uid: string) => [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid }];
    const make = (name: string, uid: string) =>
      api(`/api/v1/namespaces/${ns}/configmaps`, { body: { metadata: { name, ownerReferences: ref(uid) } } });
    expect((await make("orphan", "00000000-0000-0000-0000-000000000000")).status).toBe(201);
    expect((await make("child", owner.body.metadata.uid)).status).toBe(201);
    await eventually("the collector to delete the orphan", async () =>
      (await api(`/api/v1/namespaces/${ns}/configmaps/orphan`)).status === 404 ? true : undefined,
    );
    expect((await api(`/api/v1/namespaces/${ns}/configmaps/child`)).status).toBe(200);
  });

  it("finishes deleting a namespace", async () => {
    await api("/api/v1/namespaces", { body: { metadata: { name: "kcm-gone" } } });
    await api("/api/v1/namespaces/kcm-gone/configmaps", { body: { metadata: { name: "x" } } });
    expect((await api("/api/v1/namespaces/kcm-gone", { method: "DELETE" })).status).toBe(200);
    await eventually("the namespace to go", async () =>
      (await api("/api/v1/namespaces/kcm-gone")).status === 404 ? true : undefined,
    );
  });
});
