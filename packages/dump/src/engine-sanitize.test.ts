import { kubeHttp, type SeededCluster, seedCluster } from "@kubedump/testenv";
import { load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, dump, env, GROUP, P, SHOP } from "./test-support.js";

let seeded: SeededCluster;

beforeAll(async () => {
  seeded = await seedCluster(env, P);
});
afterAll(() => client.close());

describe("sanitize", () => {
  let files: Map<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: parsed YAML
  const get = (p: string): any => load(files.get(p)!);
  beforeAll(async () => {
    files = (await dump({ scope: { type: "namespace", namespace: SHOP } })).files;
  });

  it("keeps a Deployment's spec, labels and user annotations and drops what the server set", () => {
    const d = get(`namespaces/${SHOP}/deployments.apps/web.yaml`);
    expect(Object.keys(d)).toEqual(["apiVersion", "kind", "metadata", "spec"]);
    expect(d.metadata).toEqual({
      name: "web",
      namespace: SHOP,
      labels: { app: "web", tier: "front" },
      annotations: { owner: "team-a" },
    });
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector).toEqual({ matchLabels: { app: "web" } });
    expect(d.spec.template.metadata).toEqual({ labels: { app: "web" } });
    const pod = d.spec.template.spec;
    expect(pod.containers[0]).toMatchObject({
      name: "main",
      image: "example/web:1.0",
      env: [{ name: "MODE", value: "prod" }],
    });
    for (const f of ["dnsPolicy", "terminationGracePeriodSeconds"]) expect(pod).not.toHaveProperty(f);
    expect(pod.containers[0]).not.toHaveProperty("terminationMessagePath");
  });

  it("drops a Pod's node, default service account and status", () => {
    const p = get(`namespaces/${SHOP}/pods/web-5d4f-1.yaml`);
    expect(p).not.toHaveProperty("status");
    expect(p.spec).not.toHaveProperty("nodeName");
    expect(p.spec).not.toHaveProperty("serviceAccountName");
    expect(p.metadata.ownerReferences[0]).toMatchObject({
      kind: "ReplicaSet",
      name: "web-5d4f",
      uid: seeded.uids[`${SHOP}/replicaset/web-5d4f`],
    });
  });

  it("drops a Service's allocated cluster IP and keeps its ports", () => {
    const s = get(`namespaces/${SHOP}/services/web.yaml`);
    expect(s.spec).not.toHaveProperty("clusterIP");
    expect(s.spec).not.toHaveProperty("clusterIPs");
    expect(s.spec.selector).toEqual({ app: "web" });
    expect(s.spec.ports[0]).toMatchObject({ name: "http", port: 80, targetPort: 8080, protocol: "TCP" });
    expect(s.metadata).toEqual({ name: "web", namespace: SHOP, labels: { app: "web", tier: "front" } });
  });

  it("keeps a Secret's data and type", () => {
    const s = get(`namespaces/${SHOP}/secrets/web-secret.yaml`);
    expect(s).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      type: "Opaque",
      metadata: { name: "web-secret", namespace: SHOP, labels: { app: "web", tier: "front" } },
      data: { password: Buffer.from(`s3cr3t-${P}-web`).toString("base64") },
    });
  });

  it("keeps a custom object's spec and drops its status and server metadata", () => {
    const c = get(`namespaces/${SHOP}/configmaps.${GROUP}/web-config.yaml`);
    expect(c).toEqual({
      apiVersion: `${GROUP}/v1`,
      kind: "ConfigMap",
      metadata: { name: "web-config", namespace: SHOP, labels: { app: "web" } },
      spec: { color: "green", size: 3 },
    });
  });

  it("with sanitize=false keeps objects exactly as the server returned them", async () => {
    const raw = (
      await dump({
        scope: {
          type: "application",
          includeDependants: false,
          target: { apiVersion: "v1", kind: "Service", namespace: SHOP, name: "web" },
        },
        sanitize: false,
      })
    ).files;
    // biome-ignore lint/suspicious/noExplicitAny: parsed YAML
    const s = load([...raw.values()][0]!) as Record<string, any>;
    const live = (await kubeHttp(env, `/api/v1/namespaces/${SHOP}/services/web`)).body;
    expect(s).toEqual(live);
    expect(s.metadata.uid).toBe(seeded.uids[`${SHOP}/service/web`]);
    expect(s.metadata.managedFields.length).toBeGreaterThan(0);
    expect(s.spec.clusterIP).toMatch(/^10\.0\.0\./);
  });
});
