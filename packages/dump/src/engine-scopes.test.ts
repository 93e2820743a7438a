import { createHash } from "node:crypto";
import { type SeededCluster, seedCluster } from "@kubedump/testenv";
import { dump as jsYamlDump, load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DumpOptions, type DumpSink, runDump } from "./index.js";
import { app, BLOG, blogAll, client, dump, env, GROUP, memorySink, P, SHOP, shopAll, support } from "./test-support.js";

let seeded: SeededCluster;

beforeAll(async () => {
  seeded = await seedCluster(env, P);
});
afterAll(() => client.close());

describe("scopes and filters yield exactly the expected paths", () => {
  const only = { includeNamespaces: [`${P}-*`] };
  it.each<[string, DumpOptions, () => string[]]>([
    [
      "namespace",
      { scope: { type: "namespace", namespace: SHOP } },
      () => [`cluster/namespaces/${SHOP}.yaml`, ...shopAll],
    ],
    [
      "namespace with events",
      { scope: { type: "namespace", namespace: SHOP }, includeEvents: true },
      () => [`cluster/namespaces/${SHOP}.yaml`, ...shopAll, `namespaces/${SHOP}/events/web.1.yaml`],
    ],
    [
      "application without dependants",
      {
        scope: {
          type: "application",
          includeDependants: false,
          target: { apiVersion: "apps/v1", kind: "Deployment", namespace: SHOP, name: "web" },
        },
      },
      () => [`namespaces/${SHOP}/deployments.apps/web.yaml`],
    ],
    [
      "application with dependants",
      {
        scope: {
          type: "application",
          includeDependants: true,
          target: { apiVersion: "apps/v1", kind: "Deployment", namespace: SHOP, name: "web" },
        },
      },
      () => app(SHOP, "web"),
    ],
    [
      "application rooted at a ReplicaSet",
      {
        scope: {
          type: "application",
          includeDependants: true,
          target: { apiVersion: "apps/v1", kind: "ReplicaSet", namespace: BLOG, name: "api-5d4f" },
        },
      },
      () => app(BLOG, "api").slice(1),
    ],
    ["cluster, two namespaces by glob", { scope: { type: "cluster" }, ...only }, () => [...shopAll, ...blogAll]],
    ["cluster, excludeNamespaces", { scope: { type: "cluster" }, ...only, excludeNamespaces: [BLOG] }, () => shopAll],
    ["labelSelector", { scope: { type: "cluster" }, ...only, labelSelector: "app=web" }, () => shopAll],
    [
      "orLabelSelectors",
      { scope: { type: "cluster" }, ...only, orLabelSelectors: ["app=api", "tier=front"] },
      () => [...blogAll, `namespaces/${SHOP}/deployments.apps/web.yaml`, ...support(SHOP, "web")],
    ],
    [
      "labelSelector with set syntax",
      { scope: { type: "cluster" }, ...only, labelSelector: "tier in (front,back),app!=api" },
      () => [`namespaces/${SHOP}/deployments.apps/web.yaml`, ...support(SHOP, "web")],
    ],
    [
      "includeResources",
      { scope: { type: "namespace", namespace: SHOP }, includeResources: ["deployments.apps", "configmaps"] },
      () => [`namespaces/${SHOP}/deployments.apps/web.yaml`, `namespaces/${SHOP}/configmaps/web-config.yaml`],
    ],
    [
      "excludeResources",
      { scope: { type: "namespace", namespace: SHOP }, excludeResources: ["pods", "secrets", "namespaces"] },
      () => shopAll.filter((p) => !p.includes("/pods/") && !p.includes("/secrets/")),
    ],
    [
      "ignoreGroupKinds",
      {
        scope: { type: "namespace", namespace: SHOP },
        ignoreGroupKinds: [`ConfigMap.${GROUP}`, "ReplicaSet.apps", "Namespace"],
      },
      () => shopAll.filter((p) => !p.includes(GROUP) && !p.includes("replicasets")),
    ],
    [
      "cluster-scoped kinds only by label",
      { scope: { type: "cluster" }, labelSelector: `team=${P}` },
      () => [
        `cluster/namespaces/${SHOP}.yaml`,
        `cluster/namespaces/${BLOG}.yaml`,
        ...seeded.clusterRoles.map((r) => `cluster/clusterroles.rbac.authorization.k8s.io/${r}.yaml`),
      ],
    ],
    [
      "includeClusterResources=false",
      { scope: { type: "cluster" }, labelSelector: `team=${P}`, includeClusterResources: false },
      () => [],
    ],
    [
      "includeClusterResources=true in a namespace backup",
      { scope: { type: "namespace", namespace: SHOP }, labelSelector: `team=${P}`, includeClusterResources: true },
      () => [
        `cluster/namespaces/${BLOG}.yaml`,
        `cluster/namespaces/${SHOP}.yaml`,
        ...seeded.clusterRoles.map((r) => `cluster/clusterroles.rbac.authorization.k8s.io/${r}.yaml`),
      ],
    ],
  ])("%s", async (_name, opts, expected) => {
    const { paths: all, result, records } = await dump(opts);
    // The API server records Events of its own about seeded objects at any time (seen once: an
    // Event "web.<16 hex>" in the shop namespace, client-go's naming); only the seeded Event is
    // expected, such others may or may not be there.
    const serverEvent = (p: string) => /\/events\/[^/]+\.[0-9a-f]{16}\.yaml$/.test(p);
    const paths = all.filter((p) => !serverEvent(p));
    expect(paths).toEqual([...new Set(expected())].sort());
    expect(all.filter(serverEvent).every((p) => opts.includeEvents && p.startsWith(`namespaces/${SHOP}/events/`))).toBe(
      true,
    );
    expect(result.objects).toBe(all.length);
    expect(records.map((r) => r.path).sort()).toEqual(all);
    expect(result.failedResources).toEqual([]);
  });

  it("keeps a custom ConfigMap apart from the core ConfigMap of the same name", async () => {
    const { files } = await dump({ scope: { type: "namespace", namespace: SHOP } });
    const core = load(files.get(`namespaces/${SHOP}/configmaps/web-config.yaml`)!) as {
      apiVersion: string;
      data: unknown;
    };
    const custom = load(files.get(`namespaces/${SHOP}/configmaps.${GROUP}/web-config.yaml`)!) as {
      apiVersion: string;
      spec: unknown;
    };
    expect(core.apiVersion).toBe("v1");
    expect(core.data).toEqual({ "app.properties": "color=blue\n" });
    expect(custom.apiVersion).toBe(`${GROUP}/v1`);
    expect(custom.spec).toEqual({ color: "green", size: 3 });
  });

  it("writes YAML byte-identical to js-yaml's for every object", async () => {
    const { files } = await dump({ scope: { type: "cluster" }, includeNamespaces: [`${P}-*`], includeEvents: true });
    expect(files.size).toBeGreaterThan(15);
    for (const [path, text] of files)
      expect(jsYamlDump(load(text), { noRefs: true, lineWidth: -1, sortKeys: false }), path).toBe(text);
  });

  it("records uid, owners and digest in the index", async () => {
    // Pages of two: many pages' records wait for their digests at once.
    const { records, files } = await dump({ scope: { type: "namespace", namespace: SHOP }, pageSize: 2 });
    // Every record's digest is its object's YAML's (computed on the compressing thread), in order.
    expect(records.length).toBe(files.size);
    for (const r of records)
      expect(r.sha256, r.path).toBe(
        createHash("sha256")
          .update(files.get(r.path) ?? "", "utf8")
          .digest("hex"),
      );
    const pod = records.find((r) => r.path === `namespaces/${SHOP}/pods/web-5d4f-1.yaml`)!;
    expect(pod).toMatchObject({
      group: "",
      version: "v1",
      resource: "pods",
      kind: "Pod",
      namespace: SHOP,
      name: "web-5d4f-1",
    });
    expect(pod.uid).toBe(seeded.uids[`${SHOP}/pod/web-5d4f-1`]);
    expect(pod.ownerReferences?.[0]?.uid).toBe(seeded.uids[`${SHOP}/replicaset/web-5d4f`]);
    expect(pod.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("index records", () => {
  it("fails the dump when the index cannot take a page's records, even while later pages wait for digests", async () => {
    const sink = memorySink();
    let calls = 0;
    const failing: DumpSink = {
      addObjects: sink.addObjects,
      addRecords: async (batch) => {
        if (++calls === 2) throw new Error("index full");
        await sink.addRecords(batch);
      },
    };
    await expect(
      runDump({ client, sink: failing }, { scope: { type: "namespace", namespace: SHOP }, pageSize: 1 }),
    ).rejects.toThrow("index full");
    expect(sink.records).toHaveLength(1); // nothing after the failed page reached the index
  });
});
