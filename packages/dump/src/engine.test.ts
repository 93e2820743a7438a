import { createHash } from "node:crypto";
import { createKubeClient, discoverResources, KubeApiError } from "@kubedump/kube";
import type { IndexRecord } from "@kubedump/repository/archive";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  applyBrokenApiService,
  createPki,
  kubeHttp,
  type SeededCluster,
  seedCluster,
  startEtcd,
  startKubeApiServer,
} from "@kubedump/testenv";
import { dump as jsYamlDump, load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type DumpOptions,
  type DumpResult,
  type DumpSink,
  runDump,
  SelectorSyntaxError,
  TargetNotFoundError,
  UnknownResourceError,
} from "./index.js";

const env = inject("testenv");
const client = createKubeClient({ kubeconfig: env.kubeconfig });
const P = "dmp";
const SHOP = `${P}-shop`;
const BLOG = `${P}-blog`;
const GROUP = `${P}.example.com`;
let seeded: SeededCluster;

/** An in-memory double of the snapshot sink: what the engine wrote, by path. */
function memorySink(): DumpSink & { files: Map<string, string>; records: IndexRecord[] } {
  const files = new Map<string, string>();
  const records: IndexRecord[] = [];
  return {
    files,
    records,
    addObjects: async (entries) =>
      entries.map(({ path, data }) => {
        if (files.has(path)) throw new Error(`path written twice: ${path}`);
        files.set(path, data.toString("utf8"));
        return 0;
      }),
    addRecords: async (batch) => {
      records.push(...batch);
    },
  };
}

async function dump(
  opts: DumpOptions,
): Promise<{ paths: string[]; files: Map<string, string>; result: DumpResult; records: IndexRecord[] }> {
  const sink = memorySink();
  const result = await runDump({ client, sink }, opts);
  return { paths: [...sink.files.keys()].sort(), files: sink.files, result, records: sink.records };
}

const app = (ns: string, name: string) => [
  `namespaces/${ns}/deployments.apps/${name}.yaml`,
  `namespaces/${ns}/replicasets.apps/${name}-5d4f.yaml`,
  `namespaces/${ns}/pods/${name}-5d4f-1.yaml`,
  `namespaces/${ns}/pods/${name}-5d4f-2.yaml`,
];
const support = (ns: string, name: string) => [
  `namespaces/${ns}/services/${name}.yaml`,
  `namespaces/${ns}/configmaps/${name}-config.yaml`,
  `namespaces/${ns}/secrets/${name}-secret.yaml`,
  `namespaces/${ns}/serviceaccounts/${name}.yaml`,
];
const shopAll = [
  ...app(SHOP, "web"),
  ...support(SHOP, "web"),
  `namespaces/${SHOP}/configmaps.${GROUP}/web-config.yaml`,
];
const blogAll = [...app(BLOG, "api"), ...support(BLOG, "api")];

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

describe("includeNamespaces picking few namespaces", () => {
  /** The LISTs a dump sends: a recording wrapper around the real client. */
  async function lists(opts: DumpOptions): Promise<{ paths: string[]; lists: string[] }> {
    const sent: string[] = [];
    const spy = Object.create(client) as typeof client;
    spy.requestBody = (method, path, o) => {
      if (method === "GET" && o?.query?.limit !== undefined) sent.push(path);
      return client.requestBody(method, path, o);
    };
    const sink = memorySink();
    await runDump({ client: spy, sink }, opts);
    return { paths: [...sink.files.keys()].sort(), lists: sent };
  }

  it("lists their namespaced types namespace by namespace, with the same result as cluster-wide", async () => {
    const { paths, lists: sent } = await lists({
      scope: { type: "cluster" },
      includeNamespaces: [`${P}-*`],
      includeClusterResources: true,
      labelSelector: `team=${P}`,
    });
    expect(sent).toContain(`/api/v1/namespaces/${SHOP}/configmaps`);
    expect(sent).toContain(`/api/v1/namespaces/${BLOG}/configmaps`);
    expect(sent).not.toContain("/api/v1/configmaps");
    // Cluster-scoped types are still listed once.
    expect(sent.filter((p) => p === "/apis/rbac.authorization.k8s.io/v1/clusterroles")).toHaveLength(1);
    expect(paths).toEqual(
      [
        `cluster/namespaces/${BLOG}.yaml`,
        `cluster/namespaces/${SHOP}.yaml`,
        ...seeded.clusterRoles.map((r) => `cluster/clusterroles.rbac.authorization.k8s.io/${r}.yaml`),
      ].sort(),
    );
  });

  it("lists the namespaces alongside discovery, not after it", async () => {
    const events: string[] = [];
    const spy = Object.create(client) as typeof client;
    spy.requestBody = (method, path, o) => {
      events.push(`sent ${path}`);
      return client.requestBody(method, path, o).finally(() => events.push(`answered ${path}`));
    };
    await runDump(
      { client: spy, sink: memorySink() },
      { scope: { type: "cluster" }, includeNamespaces: [SHOP], includeResources: ["configmaps"] },
    );
    const sent = events.indexOf("sent /api/v1/namespaces");
    expect(sent).toBeGreaterThanOrEqual(0);
    expect(sent).toBeLessThan(events.indexOf("answered /apis"));
    expect(events).toContain(`sent /api/v1/namespaces/${SHOP}/configmaps`);
  });

  it("reports a type whose LIST fails in some namespaces once, with a warning per namespace", async () => {
    // The real client, except that listing Secrets in a namespace is refused, as RBAC would.
    const spy = Object.create(client) as typeof client;
    spy.requestBody = (method, path, o) => {
      if (/^\/api\/v1\/namespaces\/[^/]+\/secrets$/.test(path))
        return Promise.reject(new KubeApiError(403, "Forbidden", `GET ${path}: 403 Forbidden`));
      return client.requestBody(method, path, o);
    };
    const sink = memorySink();
    const result = await runDump(
      { client: spy, sink },
      { scope: { type: "cluster" }, includeNamespaces: [SHOP, BLOG] },
    );
    expect(result.failedResources).toEqual(["secrets"]);
    expect(result.warnings.filter((w) => w.startsWith("listing secrets")).sort()).toEqual(
      [BLOG, SHOP]
        .sort()
        .map(
          (ns) =>
            `listing secrets in namespace ${ns} failed, its objects there are not in this snapshot: GET /api/v1/namespaces/${ns}/secrets: 403 Forbidden`,
        ),
    );
    expect([...sink.files.keys()].sort()).toEqual(
      [...shopAll, ...blogAll].filter((p) => !p.includes("/secrets/")).sort(),
    );
  });

  it("sends the first LISTs of the next types while a type's pages are still being read, and writes the same", async () => {
    const sent: string[] = [];
    const spy = Object.create(client) as typeof client;
    spy.requestBody = (method, path, o) => {
      if (method === "GET" && o?.query?.limit !== undefined) sent.push(o.query.continue ? `${path} (more)` : path);
      return client.requestBody(method, path, o);
    };
    const opts: DumpOptions = { scope: { type: "namespace", namespace: SHOP }, pageSize: 1 };
    const sink = memorySink();
    await runDump({ client: spy, sink }, opts);
    // pods come one per page here: a later type's first LIST went out before their last page
    const pods = `/api/v1/namespaces/${SHOP}/pods`;
    const lastPodsPage = sent.lastIndexOf(`${pods} (more)`);
    expect(lastPodsPage).toBeGreaterThan(sent.indexOf(pods));
    // core types after pods in the plan (it goes by key: a core type's key is its resource name)
    const core = `/api/v1/namespaces/${SHOP}/`;
    const later = sent
      .slice(0, lastPodsPage)
      .filter((p) => p.startsWith(core) && !p.endsWith("(more)") && p.slice(core.length) > "pods");
    expect(later.length).toBeGreaterThan(0);
    // and the archive is the one a page at a time gives
    const plain = memorySink();
    await runDump({ client, sink: plain }, { ...opts, pageSize: 500 });
    expect([...sink.files.keys()]).toEqual([...plain.files.keys()]);
    expect([...sink.files.values()]).toEqual([...plain.files.values()]);
  });

  it("reports a LIST answer that is not JSON as a failed listing and goes on", async () => {
    const spy = Object.create(client) as typeof client;
    spy.requestBody = async (method, path, o) => {
      const body = await client.requestBody(method, path, o);
      if (path !== `/api/v1/namespaces/${SHOP}/configmaps`) return body;
      // The list's head and the cut are fine; its last item is broken.
      const text = body.toString("utf8").trimEnd();
      if (!text.endsWith("}]}")) throw new Error(`unexpected list ending: ${text.slice(-20)}`);
      return Buffer.from(`${text.slice(0, -3)},}]}`);
    };
    const sink = memorySink();
    const result = await runDump(
      { client: spy, sink },
      { scope: { type: "cluster" }, includeNamespaces: [SHOP, BLOG] },
    );
    expect(result.failedResources).toEqual(["configmaps"]);
    expect(result.warnings.filter((w) => w.startsWith("listing configmaps"))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^listing configmaps in namespace ${SHOP} failed, its objects there are not in this snapshot: .*JSON`,
        ),
      ),
    ]);
    const paths = [...sink.files.keys()];
    expect(paths.some((p) => p.startsWith(`namespaces/${SHOP}/configmaps/`))).toBe(false);
    expect(paths.some((p) => p.startsWith(`namespaces/${BLOG}/configmaps/`))).toBe(true);
    expect(paths.some((p) => p.startsWith(`namespaces/${SHOP}/secrets/`))).toBe(true);
  });

  it("lists cluster-wide when more than three namespaces match", async () => {
    const { paths, lists: sent } = await lists({
      scope: { type: "cluster" },
      includeNamespaces: ["*"],
      includeResources: ["configmaps"],
      labelSelector: "app=web",
    });
    expect(sent).toContain("/api/v1/configmaps");
    expect(sent.some((p) => p.startsWith("/api/v1/namespaces/") && p.endsWith("/configmaps"))).toBe(false);
    // Other test files seed their own namespaces on this server: look at ours.
    expect(paths.filter((p) => p.startsWith(`namespaces/${P}-`))).toEqual([
      `namespaces/${SHOP}/configmaps/web-config.yaml`,
    ]);
  });
});

describe("bad input", () => {
  it.each<[string, DumpOptions, new (...a: never[]) => Error, RegExp]>([
    [
      "a bad selector",
      { scope: { type: "cluster" }, labelSelector: "app in (web" },
      SelectorSyntaxError,
      /labelSelector/,
    ],
    [
      "a bad OR selector",
      { scope: { type: "cluster" }, orLabelSelectors: ["app=web", "=x"] },
      SelectorSyntaxError,
      /orLabelSelectors\[1\]/,
    ],
    [
      "an unknown resource",
      { scope: { type: "cluster" }, includeResources: ["deploymentz.apps"] },
      UnknownResourceError,
      /includeResources: .*"deploymentz\.apps"/,
    ],
    [
      "an unknown kind",
      { scope: { type: "cluster" }, ignoreGroupKinds: ["Foo.bar"] },
      UnknownResourceError,
      /ignoreGroupKinds/,
    ],
    [
      "a missing namespace",
      { scope: { type: "namespace", namespace: "no-such-ns" } },
      TargetNotFoundError,
      /namespace "no-such-ns" not found/,
    ],
    [
      "a missing target",
      {
        scope: {
          type: "application",
          includeDependants: true,
          target: { apiVersion: "apps/v1", kind: "Deployment", namespace: SHOP, name: "nope" },
        },
      },
      TargetNotFoundError,
      /Deployment dmp-shop\/nope not found/,
    ],
  ])("rejects %s with an error naming it", async (_n, opts, type, message) => {
    const err = await dump(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
  });
});

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

describe("a broken aggregated API", () => {
  // On a private kube-apiserver + etcd: a broken APIService degrades discovery for every client,
  // and the shared server is used by other test files at the same time.
  const group = `broken-${P}.example.com`;
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
