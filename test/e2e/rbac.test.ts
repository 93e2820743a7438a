import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  API,
  createConfig,
  createSession,
  crUrl,
  getObj,
  type Obj,
  type ServiceName,
  waitFor,
  waitForSession,
} from "./harness.js";
import { ALLOWED, applyDeployment, as, type Call, createNamespace, DENIED, escalate, lease } from "./rbac-calls.js";
import { deploymentOf, gatewayMetrics, logOf, startRelease, stopReleases } from "./rbac-release.js";
import { APPS, E2E, OTHER, P, type Releases, repository, SHOP, setUpRbac } from "./rbac-setup.js";

// The chart's least-privilege RBAC, proven with real ServiceAccount tokens (TokenRequest API):
// each service may do what it does and nothing more, and the four services run end to end with
// their own chart ServiceAccount's token and the environment the chart renders for their Pods.
const t = inject("testenv");
let releases: Releases;

beforeAll(async () => {
  releases = await setUpRbac();
}, 300_000);
afterAll(async () => {
  await stopReleases();
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
    ["dump-worker", "may not create a ConfigMap (restore.enabled is off)", configMap("rbac-default"), 403],
    ["watcher", "may list RestoreSessions of every namespace", { path: `${API}/restoresessions` }, 200],
    ["dump-worker", "may read a RestoreSession", { path: crUrl("restoresessions", E2E, "missing") }, 404],
  ])("%s %s", async (s, _what, call, status) => {
    expect((await as(releases.default, s, call)).status).toBe(status);
  });
});

describe("RBAC with restore.enabled, with real tokens", () => {
  it.each<[ServiceName, string, Call, number]>([
    ["dump-worker", "may create a ConfigMap", configMap("rbac-restore"), 201],
    ["dump-worker", "may server-side apply a Deployment", applyDeployment, 200],
    [
      "dump-worker",
      "may restore a binding to cluster-admin (bind)",
      {
        path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?dryRun=All",
        body: {
          metadata: { name: "rbac-restored-binding" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
          subjects: [{ kind: "ServiceAccount", name: "restored", namespace: SHOP }],
        },
      },
      201,
    ],
    ["scheduler", "still may not create a ConfigMap", configMap("rbac-restore-scheduler"), 403],
    ["watcher", "still may not create a ConfigMap", configMap("rbac-restore-watcher"), 403],
  ])("%s %s", async (s, _what, call, status) => {
    const res = await as(releases.restore, s, call);
    expect(res.status, res.text.slice(0, 300)).toBe(status);
  });
});

const restoreStatus: Call = {
  path: `${crUrl("restoresessions", APPS, "probe-restore")}/status`,
  method: "PATCH",
  body: { status: { phase: "Failed" } },
  contentType: "application/merge-patch+json",
};

describe("RBAC with least-privilege values and restore.enabled, with real tokens", () => {
  it.each<[ServiceName, string, Call, number]>([
    ["dump-worker", "may server-side apply a Deployment", applyDeployment, 200],
    ["dump-worker", "may create a Namespace", createNamespace, 201],
    ["dump-worker", "may create a ConfigMap in a namespace it does not watch", configMap("rbac-rr"), 201],
    [
      "dump-worker",
      "still may not delete a Deployment",
      { path: `/apis/apps/v1/namespaces/${SHOP}/deployments/web`, method: "DELETE" },
      403,
    ],
    // The writer's get and list on every resource, which a restore needs to compare with what
    // exists, take in Secrets too, whatever dumpWorker.rbac.backupSecrets says (see the chart's README).
    ["dump-worker", "may list Secrets", { path: `/api/v1/namespaces/${SHOP}/secrets` }, 200],
    ["dump-worker", "may patch a RestoreSession's status", restoreStatus, 200],
    ["watcher", "may patch a RestoreSession's status", restoreStatus, 200],
    ["watcher", "still may not list RestoreSessions outside its namespace", { path: `${API}/restoresessions` }, 403],
    ["watcher", "still may not create a ConfigMap", configMap("rbac-rr-watcher"), 403],
    ["scheduler", "still may not create a Namespace", createNamespace, 403],
  ])("%s %s", async (s, _what, call, status) => {
    const res = await as(releases.restrictedRestore, s, call);
    expect(res.status, res.text.slice(0, 300)).toBe(status);
  });
});

/** Creating ConfigMap `name` in OTHER (no backup here reads it): what a restore does and a read-only install may not. */
function configMap(name: string): Call {
  return { path: `/api/v1/namespaces/${OTHER}/configmaps`, body: { metadata: { name }, data: { by: name } } };
}

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
