import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { openRepositoryFromBackend } from "@kubedump/repository";
import { freePort, kubeHttp, type KubeHttpOptions, seedCluster } from "@kubedump/testenv";
import { load, loadAll } from "js-yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  API,
  createConfig,
  createSession,
  crUrl,
  getObj,
  installCrds,
  type Obj,
  type ServiceName,
  type ServiceProcess,
  setupRepository,
  startService,
  stopService,
  waitFor,
  waitForSession,
} from "./harness.js";

// The chart's least-privilege RBAC, proven with real ServiceAccount tokens (TokenRequest API):
// each service may do what it does and nothing more, and the four services run end to end with
// their own chart ServiceAccount's token and the environment the chart renders for their Pods.
const t = inject("testenv");
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const CHART = join(ROOT, "deploy", "helm", "kubedump");
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), "kubedump-rbac-"));

const P = "rbac"; // seeded namespaces rbac-shop and rbac-blog, custom group rbac.example.com
const SHOP = `${P}-shop`;
const APPS = "rbac-apps"; // the restricted release's watched namespace: Repository, configurations, sessions
const OTHER = "rbac-other"; // holds a Secret no kubedump service may read
const E2E = "rbac-e2e"; // the default release's Repository and sessions
const SERVICES: ServiceName[] = ["watcher", "scheduler", "dump-worker", "metrics-gateway"];

interface Release {
  name: string;
  objects: Obj[];
  tokens: Record<ServiceName, string>;
  ports: Record<ServiceName, number>;
}
const releases = {} as Record<"restricted" | "default", Release>;
const processes: ServiceProcess[] = [];

const helm = async (...args: string[]) =>
  (await run(t.helm, [...args, "--kubeconfig", t.kubeconfig], { maxBuffer: 64 << 20 })).stdout;
const deploymentOf = (r: Release, s: ServiceName) =>
  r.objects.find((o) => o.kind === "Deployment" && o.metadata.labels["app.kubernetes.io/component"] === s)!;
const b64 = (s: string) => Buffer.from(s).toString("base64");

/** Installs the chart (no --wait: no Pod runs here) and gets a token for each service's ServiceAccount. */
async function install(name: string, values: Obj): Promise<Release> {
  const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await freePort()]))) as Record<
    ServiceName,
    number
  >;
  const file = join(tmp, `${name}-values.yaml`);
  writeFileSync(
    file,
    JSON.stringify({
      ...values,
      httpHost: "127.0.0.1",
      queuePrefix: name,
      redis: { bundled: { enabled: false }, external: { url: t.redisUrl } },
      watcher: { httpPort: ports.watcher },
      scheduler: { httpPort: ports.scheduler },
      dumpWorker: {
        ...values.dumpWorker,
        httpPort: ports["dump-worker"],
        metricsGatewayUrl: `http://127.0.0.1:${ports["metrics-gateway"]}`,
      },
      metricsGateway: { port: ports["metrics-gateway"], gatewayKeyPrefix: `${name}:gateway` },
    }),
  );
  await helm("install", name, CHART, "--namespace", name, "--create-namespace", "-f", file);
  const objects = (loadAll(await helm("get", "manifest", name, "--namespace", name)) as (Obj | null)[]).filter(
    (o): o is Obj => !!o,
  );
  const release: Release = { name, objects, ports, tokens: {} as Record<ServiceName, string> };
  for (const s of SERVICES) {
    const sa = deploymentOf(release, s).spec.template.spec.serviceAccountName;
    const res = await kubeHttp(t, `/api/v1/namespaces/${name}/serviceaccounts/${sa}/token`, {
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
    });
    expect(res.status, res.text).toBe(201);
    release.tokens[s] = res.body.status.token;
  }
  return release;
}

/** A kubeconfig that authenticates with nothing but the token. */
function tokenKubeconfig(r: Release, s: ServiceName): string {
  const path = join(tmp, `${r.name}-${s}.kubeconfig`);
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters: [{name: testenv, cluster: {server: "${t.kubeApiUrl}", certificate-authority-data: ${b64(t.caPem)}}}]
users: [{name: ${s}, user: {token: ${r.tokens[s]}}}]
contexts: [{name: ${s}, context: {cluster: testenv, user: ${s}}}]
current-context: ${s}
`,
    { mode: 0o600 },
  );
  return path;
}

/**
 * The four services as OS processes, each with its Deployment's container environment (Secrets
 * read from the cluster, POD_NAME from the downward API) plus what differs outside a Pod: the
 * token's kubeconfig instead of the in-cluster account, and a local scratch directory.
 */
async function startRelease(r: Release, extra: Record<string, string> = {}): Promise<void> {
  const logDir = mkdtempSync(join(tmpdir(), `kubedump-${r.name}-logs-`));
  for (const s of SERVICES) {
    const dep = deploymentOf(r, s);
    const env: Record<string, string> = {};
    for (const e of dep.spec.template.spec.containers[0].env as Obj[]) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref)
        env[e.name] = Buffer.from(
          (await kubeHttp(t, `/api/v1/namespaces/${r.name}/secrets/${ref.name}`)).body.data[ref.key],
          "base64",
        ).toString();
      else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[e.name] = `${dep.metadata.name}-0`;
      else env[e.name] = e.value;
    }
    const local = s === "metrics-gateway" ? {} : { KUBECONFIG: tokenKubeconfig(r, s), ...extra };
    if (s === "dump-worker") Object.assign(local, { SCRATCH_DIR: mkdtempSync(join(tmp, "scratch-")) });
    processes.push(startService(s, { ...env, ...local }, logDir, `${r.name}-${s}`));
  }
  for (const s of SERVICES) {
    const path = s === "metrics-gateway" ? "/-/ready" : "/readyz";
    await waitFor(
      `${r.name} ${s} ready`,
      async () =>
        (await fetch(`http://127.0.0.1:${r.ports[s]}${path}`).catch(() => undefined))?.ok ? true : undefined,
      60_000,
    );
  }
}

const logOf = (r: Release, s: ServiceName) =>
  readFileSync(processes.find((p) => p.name === `${r.name}-${s}`)!.logFile, "utf8");
const gatewayMetrics = async (r: Release) =>
  (await fetch(`http://127.0.0.1:${r.ports["metrics-gateway"]}/metrics`)).text();

beforeAll(async () => {
  await installCrds(t);
  await seedCluster(t, P);
  await setupRepository(t, APPS, { prefix: APPS });
  await setupRepository(t, E2E, { prefix: E2E });
  await kubeHttp(t, `/api/v1/namespaces/${APPS}/secrets`, {
    body: { metadata: { name: "not-storage" }, stringData: { token: "x" } },
  });
  await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: OTHER } } });
  await kubeHttp(t, `/api/v1/namespaces/${OTHER}/secrets`, {
    body: { metadata: { name: "elsewhere" }, stringData: { token: "x" } },
  });
  await createConfig(t, APPS, "shop", {
    schedule: "0 0 1 1 *",
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: SHOP } },
  });
  // A finished session, for the status-patch checks (finished, so no worker ever takes it).
  await createSession(t, APPS, "probe", "shop");
  await kubeHttp(t, `${crUrl("backupsessions", APPS, "probe")}/status`, {
    method: "PATCH",
    body: { status: { phase: "Skipped" } },
    contentType: "application/merge-patch+json",
  });

  const chartValues = load(readFileSync(join(CHART, "values.yaml"), "utf8")) as Obj;
  releases.restricted = await install("rbac-restricted", {
    watchNamespace: APPS,
    rbac: { storageSecrets: [{ namespace: APPS, names: ["s3-secret"] }] },
    dumpWorker: {
      rbac: { backupSecrets: false, apiGroups: [...chartValues.dumpWorker.rbac.apiGroups, `${P}.example.com`] },
    },
  });
  releases.default = await install("rbac-default", {});
}, 300_000);
afterAll(async () => {
  await Promise.all(processes.map((p) => stopService(p)));
});

/** A request; `current`: send the object as it is now (read as admin), e.g. to update it. */
type Call = { path: string; current?: true } & Pick<KubeHttpOptions, "method" | "body" | "contentType">;
const merge = (path: string, body: Obj): Call => ({
  path,
  method: "PATCH",
  body,
  contentType: "application/merge-patch+json",
});
const lease = (name?: string) =>
  `/apis/coordination.k8s.io/v1/namespaces/rbac-restricted/leases${name ? `/${name}` : ""}`;
const session = (name: string) => ({
  apiVersion: "kubedump.io/v1alpha1",
  kind: "BackupSession",
  metadata: { name, labels: { "kubedump.io/backup-configuration": "shop" } },
  spec: { invoker: { apiGroup: "kubedump.io", kind: "BackupConfiguration", name: "shop" } },
});
const event = {
  metadata: { generateName: "repo." },
  involvedObject: { apiVersion: "kubedump.io/v1alpha1", kind: "Repository", namespace: APPS, name: "repo" },
  reason: "Probe",
  message: "an Event from the watcher's token",
  type: "Normal",
};
const skipped = { status: { phase: "Skipped" } };

// [service, what, call, status]: every kind of call the services make, with the status it gets.
// (The Leases made here hold no holder: the services take them over when they start.)
const ALLOWED: [ServiceName, string, Call, number][] = [
  ["watcher", "list Repositories of its namespace", { path: crUrl("repositories", APPS) }, 200],
  ["watcher", "watch BackupSessions", { path: `${crUrl("backupsessions", APPS)}?watch=1&timeoutSeconds=1` }, 200],
  [
    "watcher",
    "watch BackupConfigurations",
    { path: `${crUrl("backupconfigurations", APPS)}?watch=1&timeoutSeconds=1` },
    200,
  ],
  [
    "watcher",
    "patch a Repository's status",
    merge(`${crUrl("repositories", APPS, "repo")}/status`, { status: {} }),
    200,
  ],
  [
    "watcher",
    "patch a BackupConfiguration's status",
    merge(`${crUrl("backupconfigurations", APPS, "shop")}/status`, { status: {} }),
    200,
  ],
  [
    "watcher",
    "patch a BackupSession's status",
    merge(`${crUrl("backupsessions", APPS, "probe")}/status`, skipped),
    200,
  ],
  ["watcher", "read the storage Secret", { path: `/api/v1/namespaces/${APPS}/secrets/s3-secret` }, 200],
  ["watcher", "create an Event", { path: `/api/v1/namespaces/${APPS}/events`, body: event }, 201],
  ["watcher", "create its Lease", { path: lease(), body: { metadata: { name: "kubedump-watcher" } } }, 201],
  ["watcher", "read its Lease", { path: lease("kubedump-watcher") }, 200],
  ["watcher", "update its Lease", { path: lease("kubedump-watcher"), method: "PUT", current: true }, 200],
  ["scheduler", "list BackupConfigurations", { path: crUrl("backupconfigurations", APPS) }, 200],
  ["scheduler", "read a BackupConfiguration", { path: crUrl("backupconfigurations", APPS, "shop") }, 200],
  [
    "scheduler",
    "patch a BackupConfiguration's status",
    merge(`${crUrl("backupconfigurations", APPS, "shop")}/status`, { status: {} }),
    200,
  ],
  ["scheduler", "create a BackupSession", { path: crUrl("backupsessions", APPS), body: session("probe-created") }, 201],
  // backupHistoryLimit: the watcher deletes finished sessions, here the one the scheduler just made.
  [
    "watcher",
    "delete a BackupSession",
    { path: crUrl("backupsessions", APPS, "probe-created"), method: "DELETE" },
    200,
  ],
  ["scheduler", "create its Lease", { path: lease(), body: { metadata: { name: "kubedump-scheduler" } } }, 201],
  ["scheduler", "read its Lease", { path: lease("kubedump-scheduler") }, 200],
  ["scheduler", "update its Lease", { path: lease("kubedump-scheduler"), method: "PUT", current: true }, 200],
  ["dump-worker", "discover the API", { path: "/apis" }, 200],
  ["dump-worker", "list Pods of every namespace", { path: "/api/v1/pods" }, 200],
  ["dump-worker", "list Deployments of every namespace", { path: "/apis/apps/v1/deployments" }, 200],
  ["dump-worker", "list ClusterRoles", { path: "/apis/rbac.authorization.k8s.io/v1/clusterroles" }, 200],
  [
    "dump-worker",
    "list custom resources of a granted group",
    { path: `/apis/${P}.example.com/v1/namespaces/${SHOP}/configmaps` },
    200,
  ],
  ["dump-worker", "read a Namespace", { path: `/api/v1/namespaces/${SHOP}` }, 200],
  ["dump-worker", "read a BackupSession", { path: crUrl("backupsessions", APPS, "probe") }, 200],
  ["dump-worker", "read a BackupConfiguration", { path: crUrl("backupconfigurations", APPS, "shop") }, 200],
  ["dump-worker", "read a Repository", { path: crUrl("repositories", APPS, "repo") }, 200],
  [
    "dump-worker",
    "patch a BackupSession's status",
    merge(`${crUrl("backupsessions", APPS, "probe")}/status`, skipped),
    200,
  ],
  [
    "dump-worker",
    "patch a Repository's status",
    merge(`${crUrl("repositories", APPS, "repo")}/status`, { status: {} }),
    200,
  ],
  ["dump-worker", "read the storage Secret", { path: `/api/v1/namespaces/${APPS}/secrets/s3-secret` }, 200],
];

const escalate = (s: ServiceName): Call => ({
  path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
  body: {
    metadata: { name: `rbac-escalate-${s}` },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: [{ kind: "ServiceAccount", name: s, namespace: "rbac-restricted" }],
  },
});
const DENIED: [ServiceName, string, Call][] = [
  ...SERVICES.flatMap((s): [ServiceName, string, Call][] => [
    [s, "read a Secret in another namespace", { path: `/api/v1/namespaces/${OTHER}/secrets/elsewhere` }],
    [s, "delete a Deployment", { path: `/apis/apps/v1/namespaces/${SHOP}/deployments/web`, method: "DELETE" }],
    [s, "bind itself to cluster-admin", escalate(s)],
    [
      s,
      "edit the worker's ClusterRole",
      merge("/apis/rbac.authorization.k8s.io/v1/clusterroles/rbac-restricted-kubedump-dump-worker-backup-reader", {
        rules: [],
      }),
    ],
    [
      s,
      "create a Role",
      {
        path: "/apis/rbac.authorization.k8s.io/v1/namespaces/rbac-restricted/roles",
        body: { metadata: { name: "mine" }, rules: [] },
      },
    ],
  ]),
  ["watcher", "read another Secret of its namespace", { path: `/api/v1/namespaces/${APPS}/secrets/not-storage` }],
  ["watcher", "list Secrets", { path: `/api/v1/namespaces/${APPS}/secrets` }],
  ["watcher", "list Repositories outside its namespace", { path: `${API}/repositories` }],
  ["watcher", "update the scheduler's Lease", { path: lease("kubedump-scheduler"), method: "PUT", current: true }],
  ["watcher", "create a BackupSession", { path: crUrl("backupsessions", APPS), body: session("by-watcher") }],
  ["scheduler", "read the storage Secret", { path: `/api/v1/namespaces/${APPS}/secrets/s3-secret` }],
  ["scheduler", "delete a BackupSession", { path: crUrl("backupsessions", APPS, "probe"), method: "DELETE" }],
  [
    "scheduler",
    "create a BackupConfiguration",
    { path: crUrl("backupconfigurations", APPS), body: { metadata: { name: "x" } } },
  ],
  ["scheduler", "patch a BackupSession's status", merge(`${crUrl("backupsessions", APPS, "probe")}/status`, skipped)],
  ["dump-worker", "list Secrets", { path: `/api/v1/namespaces/${SHOP}/secrets` }],
  [
    "dump-worker",
    "read a Secret that is not a storage Secret",
    { path: `/api/v1/namespaces/${SHOP}/secrets/web-secret` },
  ],
  ["dump-worker", "delete a Pod", { path: `/api/v1/namespaces/${SHOP}/pods/web-5d4f-1`, method: "DELETE" }],
  [
    "dump-worker",
    "create a ConfigMap",
    { path: `/api/v1/namespaces/${SHOP}/configmaps`, body: { metadata: { name: "x" } } },
  ],
  [
    "dump-worker",
    "patch a Deployment",
    merge(`/apis/apps/v1/namespaces/${SHOP}/deployments/web`, { spec: { replicas: 0 } }),
  ],
  ["dump-worker", "create a BackupSession", { path: crUrl("backupsessions", APPS), body: session("by-worker") }],
  ["metrics-gateway", "list BackupSessions", { path: crUrl("backupsessions", APPS) }],
  ["metrics-gateway", "list Pods", { path: "/api/v1/pods" }],
  ["metrics-gateway", "read the storage Secret", { path: `/api/v1/namespaces/${APPS}/secrets/s3-secret` }],
];

const as = async (r: Release, s: ServiceName, c: Call) =>
  kubeHttp(t, c.path, {
    method: c.method,
    body: c.current ? (await kubeHttp(t, c.path)).body : c.body,
    contentType: c.contentType,
    token: r.tokens[s],
  });

describe("RBAC with least-privilege values (watchNamespace, storageSecrets, no Secrets in backups), with real tokens", () => {
  it.each(ALLOWED)("%s may %s", async (s, _what, call, status) => {
    const res = await as(releases.restricted, s, call);
    expect(res.status, res.text.slice(0, 300)).toBe(status);
  });

  it.each(DENIED)("%s may not %s (403)", async (s, _what, call) => {
    const res = await as(releases.restricted, s, call);
    expect(res.status, res.text.slice(0, 300)).toBe(403);
    expect(res.body.reason).toBe("Forbidden");
  });
});

describe("RBAC with the default values, with real tokens", () => {
  it.each<[ServiceName, string, Call, number]>([
    ["dump-worker", "may list Secrets (it backs them up)", { path: `/api/v1/namespaces/${SHOP}/secrets` }, 200],
    [
      "watcher",
      "may read a Repository's Secret in any namespace",
      { path: `/api/v1/namespaces/${E2E}/secrets/s3-secret` },
      200,
    ],
    ["watcher", "may list kubedump objects of every namespace", { path: `${API}/backupsessions` }, 200],
    ["watcher", "may not list Secrets", { path: `/api/v1/namespaces/${SHOP}/secrets` }, 403],
    ["scheduler", "may not read Secrets", { path: `/api/v1/namespaces/${E2E}/secrets/s3-secret` }, 403],
    ["metrics-gateway", "may not read Secrets", { path: `/api/v1/namespaces/${E2E}/secrets/s3-secret` }, 403],
    [
      "dump-worker",
      "may not delete a Deployment",
      { path: `/apis/apps/v1/namespaces/${SHOP}/deployments/web`, method: "DELETE" },
      403,
    ],
    ["dump-worker", "may not bind itself to cluster-admin", escalate("dump-worker"), 403],
  ])("%s %s", async (s, _what, call, status) => {
    expect((await as(releases.default, s, call)).status).toBe(status);
  });
});

const repository = (prefix: string) =>
  openRepositoryFromBackend({
    backend: { s3: { endpoint: t.s3Endpoint, bucket: "kubedump-e2e", region: "us-east-1", prefix } },
    secret: { AWS_ACCESS_KEY_ID: t.accessKey, AWS_SECRET_ACCESS_KEY: t.secretKey },
  });
const SHOP_OBJECTS = {
  namespaces: 1,
  pods: 2,
  "deployments.apps": 1,
  "replicasets.apps": 1,
  services: 1,
  configmaps: 1,
  serviceaccounts: 1,
  [`configmaps.${P}.example.com`]: 1,
};

describe("the four services with their chart ServiceAccounts' tokens and the chart's environment", () => {
  it("restricted: the worker backs up what it may read, records Secrets as a warning, and succeeds without them", {
    timeout: 300_000,
  }, async () => {
    const r = releases.restricted;
    await startRelease(r);
    const all = await createSession(t, APPS, "shop-all", "shop").then(() => waitForSession(t, APPS, "shop-all"));
    expect(all.status.phase).toBe("PartiallySucceeded");
    expect(
      all.status.warnings.some((w: string) => /^listing secrets in namespace \S+ failed.*403/.test(w)),
      all.status.warnings.join("\n"),
    ).toBe(true);
    for (const w of (all.status.warnings as string[]).filter((x) => x.startsWith("listing ")))
      expect(w).toMatch(/ 403 /);
    const snapshot = await (await repository(APPS)).getSnapshot(all.status.snapshot.id);
    expect(snapshot.counts).toEqual(SHOP_OBJECTS);
    expect(snapshot.objects).toBe(9);

    // Other tests' custom resources are not granted to this worker either: leave their groups out too.
    const granted = new Set(
      r.objects
        .find((o) => o.metadata.name === "rbac-restricted-kubedump-dump-worker-backup-reader")!
        .rules.flatMap((x: Obj) => x.apiGroups),
    );
    const others = ((await kubeHttp(t, "/apis")).body.groups as Obj[])
      .map((g) => g.name as string)
      .filter((g) => !granted.has(g));
    await createConfig(t, APPS, "shop-nosecrets", {
      schedule: "0 0 1 1 *",
      target: { ref: { apiVersion: "v1", kind: "Namespace", name: SHOP } },
      task: { params: [{ name: "excludeResources", value: ["secrets", ...others.map((g) => `*.${g}`)].join(",") }] },
    });
    await waitFor(
      "shop-nosecrets Ready",
      async () =>
        (await getObj(t, crUrl("backupconfigurations", APPS, "shop-nosecrets")))?.status?.phase === "Ready"
          ? true
          : undefined,
      60_000,
    );
    await createSession(t, APPS, "shop-nosecrets-now", "shop-nosecrets");
    const clean = await waitForSession(t, APPS, "shop-nosecrets-now");
    expect(clean.status.warnings ?? []).toEqual([]);
    expect(clean.status.phase).toBe("Succeeded");
    expect((await (await repository(APPS)).getSnapshot(clean.status.snapshot.id)).counts).toEqual(SHOP_OBJECTS);

    // The watcher reports an invalid configuration with a Warning Event, made with its token.
    await createConfig(t, APPS, "bad-cron", { schedule: "61 * * * *" });
    const events = await waitFor(
      "a Warning Event about bad-cron",
      async () => {
        const list = (
          await kubeHttp(t, `/api/v1/namespaces/${APPS}/events?fieldSelector=involvedObject.name%3Dbad-cron`)
        ).body.items as Obj[];
        return list.length ? list : undefined;
      },
      30_000,
    );
    expect(events[0]).toMatchObject({
      type: "Warning",
      involvedObject: { kind: "BackupConfiguration", name: "bad-cron" },
    });

    // Leader election, status writes and metric pushes worked with the tokens; nothing else was refused.
    for (const s of ["watcher", "scheduler"] as const) {
      const held = await waitFor(
        `the ${s} to hold its Lease`,
        async () => (await getObj(t, lease(`kubedump-${s}`)))?.spec.holderIdentity,
        30_000,
      );
      expect(held).toBe(`${deploymentOf(r, s).metadata.name}-0`);
    }
    expect((await getObj(t, crUrl("repositories", APPS, "repo")))?.status?.snapshotCount).toBeGreaterThanOrEqual(2);
    const metrics = await gatewayMetrics(r);
    expect(metrics).toMatch(/kubedump_backup_session_success\{[^}]*invoker_name="shop-nosecrets"[^}]*\} 1/);
    for (const s of ["watcher", "scheduler", "metrics-gateway"] as const)
      expect(logOf(r, s), s).not.toMatch(/forbidden|\b403\b/i);
  });

  it("default: an instant and a scheduled backup succeed, with every object, statuses and metrics", {
    timeout: 300_000,
  }, async () => {
    const r = releases.default;
    await startRelease(r, { WATCH_NAMESPACE: E2E });
    await createConfig(t, E2E, "instant", {
      schedule: "0 0 1 1 *",
      target: { ref: { apiVersion: "v1", kind: "Namespace", name: SHOP } },
    });
    const config = await waitFor(
      "BackupConfiguration scheduled by the scheduler",
      async () => {
        const c = await getObj(t, crUrl("backupconfigurations", E2E, "instant"));
        return c?.status?.phase === "Ready" && c.status.nextScheduleTime ? c : undefined;
      },
      60_000,
    );
    expect(Date.parse(config.status.nextScheduleTime)).toBeGreaterThan(Date.now());
    await createSession(t, E2E, "instant-now", "instant");
    const s = await waitForSession(t, E2E, "instant-now");
    expect(s.status.phase).toBe("Succeeded");
    expect(s.status.snapshot.objects).toBe(10);
    const snapshot = await (await repository(E2E)).getSnapshot(s.status.snapshot.id);
    expect(snapshot.counts).toEqual({ ...SHOP_OBJECTS, secrets: 1 });
    expect(snapshot.source).toMatchObject({ kind: "BackupSession", namespace: E2E, name: "instant-now" });

    await createConfig(t, E2E, "minutely", {
      schedule: "* * * * *",
      target: { ref: { apiVersion: "v1", kind: "Namespace", name: SHOP } },
    });
    const scheduled = await waitFor(
      "a BackupSession made by the scheduler",
      async () => {
        const list = await kubeHttp(
          t,
          `${crUrl("backupsessions", E2E)}?labelSelector=${encodeURIComponent("kubedump.io/backup-configuration=minutely")}`,
        );
        return (list.body.items as Obj[])[0];
      },
      150_000,
    );
    expect((await waitForSession(t, E2E, scheduled.metadata.name)).status.phase).toBe("Succeeded");

    const metrics = await waitFor(
      "metrics on the gateway",
      async () => {
        const text = await gatewayMetrics(r);
        return /kubedump_backup_session_success\{[^}]*invoker_name="minutely"[^}]*\} 1/.test(text) ? text : undefined;
      },
      30_000,
    );
    // Every label the dashboard and the alerts select by is there.
    expect(metrics).toMatch(
      new RegExp(
        `kubedump_backup_objects_total\\{(?=[^}]*namespace="${E2E}")(?=[^}]*invoker_kind="BackupConfiguration")(?=[^}]*invoker_name="instant")(?=[^}]*repository="repo")[^}]*\\} 10`,
      ),
    );
    expect(metrics).toMatch(/kubedump_repository_snapshot_count\{[^}]*repository="repo"[^}]*\} \d+/);
    expect(metrics).toMatch(/kubedump_queue_jobs\{queue="kubedump-backups",state="waiting"\} \d+/);
    for (const svc of ["watcher", "scheduler", "dump-worker", "metrics-gateway"] as const)
      expect(logOf(r, svc), svc).not.toMatch(/forbidden|\b403\b/i);
  });
});
