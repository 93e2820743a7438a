import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as recorderConfig from "@kubedump/recorder/config";
import { freePort, kubeHttp } from "@kubedump/testenv";
import { loadAll } from "js-yaml";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createContinuousConfig, namespaceJournal } from "../../services/recorder/src/test-support.js";
import { type Obj, type ServiceProcess, startService, stopService, waitFor } from "./harness.js";
import { CHART, envOf, render } from "./helm-chart.js";
import { testNamespace } from "./test-namespace.js";

// The recorder in the chart: off by default; on, a probed Deployment of two replicas (one leads)
// whose every variable the recorder reads, RBAC to list and watch what the dump worker may read
// and to write the BackupConfigurations' status, and a NetworkPolicy open to the scrapers only.
// Then a release installed on the test API server, its recorder run as an OS process with its
// chart ServiceAccount's token and the rendered environment, records a Continuous configuration.

const t = inject("testenv");
const ON = ["--set", "recorder.enabled=true"];
const isRecorder = (o: Obj) => o.metadata.labels?.["app.kubernetes.io/component"] === "recorder";
const one = (objs: Obj[], kind: string) => {
  const found = objs.filter((o) => o.kind === kind && isRecorder(o));
  expect(found.map((o) => o.metadata.name)).toHaveLength(1);
  return found[0] as Obj;
};
const rulesOf = (objs: Obj[]) =>
  objs
    .filter((o) => (o.kind === "Role" || o.kind === "ClusterRole") && isRecorder(o))
    .map((r) => [r.kind, r.metadata.name.replace(/^.*-recorder/, "recorder"), r.rules]);

describe("the Helm chart's recorder", () => {
  it("is off by default: no recorder object at all", async () => {
    const objs = await render([]);
    expect(objs.filter(isRecorder).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    expect(JSON.stringify(objs.filter((o) => o.kind.endsWith("Binding")))).not.toContain("recorder");
  });

  it("runs two probed replicas whose every variable the recorder reads and accepts", async () => {
    const objs = await render(ON);
    const deployment = one(objs, "Deployment");
    expect(deployment.spec.replicas).toBe(2);
    const spec = deployment.spec.template.spec;
    expect(spec.automountServiceAccountToken).toBe(true);
    expect(spec.serviceAccountName).toBe(one(objs, "ServiceAccount").metadata.name);
    const [container] = spec.containers;
    expect(container.args).toEqual(["/app/services/recorder/dist/main.js"]);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    const env = envOf(container, objs);
    expect(Object.keys(env).filter((k) => !recorderConfig.ENV_VARS.includes(k))).toEqual([]);
    expect(recorderConfig.loadConfig({ ...env, POD_NAME: "kubedump-recorder-0" })).toMatchObject({
      HTTP_PORT: 8080,
      LEASE_NAME: "kubedump-recorder",
      FLUSH_EVERY_MS: 5000,
      FLUSH_EVERY_CHANGES: 2000,
      DISCOVERY_SECONDS: 30,
      HEAP_GROWING_PERCENT: 20,
    });
    expect(env.NODE_OPTIONS).toBe("--max-semi-space-size=1");
    expect(env.MALLOC_ARENA_MAX).toBe("2");
    expect(env.MALLOC_MMAP_THRESHOLD_).toBe("131072");
    expect(env.REDIS_URL, "the recorder needs no Redis").toBeUndefined();
    const unset = recorderConfig.ENV_VARS.filter(
      (v) => !(v in env) && !["KUBECONFIG", "WATCH_NAMESPACE"].includes(v) && !/^AWS_/.test(v),
    );
    expect(unset, "every variable has a chart value").toEqual([]);
    expect(one(objs, "Service").spec.ports).toEqual([expect.objectContaining({ port: 8080, targetPort: "http" })]);
  });

  it("lists and watches what the dump worker may read, reads its objects, writes only their status", async () => {
    const objs = await render(ON);
    expect(rulesOf(objs)).toEqual([
      ["ClusterRole", "recorder-reader", [{ apiGroups: ["*"], resources: ["*"], verbs: ["get", "list", "watch"] }]],
      [
        "ClusterRole",
        "recorder",
        [
          {
            apiGroups: ["kubedump.io"],
            resources: ["backupconfigurations", "repositories"],
            verbs: ["get", "list", "watch"],
          },
          { apiGroups: ["kubedump.io"], resources: ["backupconfigurations/status"], verbs: ["patch"] },
        ],
      ],
      [
        "Role",
        "recorder-leases",
        [
          { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
          {
            apiGroups: ["coordination.k8s.io"],
            resources: ["leases"],
            resourceNames: ["kubedump-recorder"],
            verbs: ["get", "update"],
          },
        ],
      ],
    ]);
    const account = one(objs, "ServiceAccount").metadata.name;
    const storage = objs.find((o) => o.kind === "ClusterRoleBinding" && o.metadata.name.endsWith("-storage-secrets"));
    expect(storage?.subjects.map((s: Obj) => s.name)).toContain(account);

    const noSecrets = rulesOf(await render([...ON, "--set", "dumpWorker.rbac.backupSecrets=false"]));
    const reader = noSecrets.find(([, name]) => name === "recorder-reader")?.[2] as Obj[];
    expect(reader[0]).toMatchObject({ apiGroups: [""], verbs: ["get", "list", "watch"] });
    expect(reader[0]?.resources).not.toContain("secrets");
    expect(reader[0]?.resources).toContain("configmaps");
    for (const rule of reader)
      expect(rule.apiGroups, "no rule of every API group (Secrets among them)").not.toContain("*");
    expect(reader[1]).toMatchObject({ resources: ["*"], verbs: ["get", "list", "watch"] });
  });

  it("is scraped by a ServiceMonitor that keeps its namespace label (the configuration's, not the Pod's)", async () => {
    const objs = await render([...ON, "--set", "serviceMonitor.enabled=true"]);
    const monitor = one(objs, "ServiceMonitor");
    expect(monitor.spec.endpoints).toEqual([
      expect.objectContaining({ port: "http", path: "/metrics", honorLabels: true }),
    ]);
    const others = objs.filter((o) => o.kind === "ServiceMonitor" && !isRecorder(o));
    const honoring = others
      .filter((o) => o.spec.endpoints[0].honorLabels)
      .map((o) => o.metadata.labels["app.kubernetes.io/component"]);
    expect(honoring, "only the pushed and the recorder's series carry their own namespace").toEqual([
      "metrics-gateway",
    ]);
  });

  it("lets only the scrapers in when the chart makes NetworkPolicies, and keeps it off Redis's and the gateway's", async () => {
    const objs = await render([...ON, "--set", "networkPolicy.enabled=true"]);
    const policy = one(objs, "NetworkPolicy");
    expect(policy.spec.podSelector.matchLabels["app.kubernetes.io/component"]).toBe("recorder");
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: {}, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
        ports: [{ port: 8080, protocol: "TCP" }],
      },
    ]);
    const own = objs
      .filter((o) => o.kind === "NetworkPolicy" && !isRecorder(o))
      .flatMap((p) => p.spec.ingress ?? [])
      .flatMap((i: Obj) => i.from ?? [])
      .flatMap((f: Obj) => f.podSelector?.matchExpressions ?? []);
    expect(own.length).toBeGreaterThan(0);
    for (const e of own) expect(e.values).not.toContain("recorder");
  });
});

describe("a release's recorder with its own ServiceAccount's token", () => {
  const space = testNamespace(t, "helm-recorder");
  const release = `kdrec-${Date.now().toString(36)}`;
  const tmp = mkdtempSync(join(tmpdir(), "kubedump-helm-recorder-"));
  let recorder: ServiceProcess | undefined;
  afterAll(async () => {
    if (recorder) await stopService(recorder);
  });

  it("records a Continuous configuration's changes into its journal and marks it Recording", async () => {
    await space.setup({ format: 2 });
    const port = await freePort();
    const values = join(tmp, "values.json");
    writeFileSync(
      values,
      JSON.stringify({
        httpHost: "127.0.0.1",
        watchNamespace: space.ns,
        redis: { bundled: { enabled: false }, external: { url: t.redisUrl } },
        recorder: { enabled: true, httpPort: port, flushEveryMs: 300, discoverySeconds: 2 },
      }),
    );
    const helm = async (...args: string[]) =>
      (await promisify(execFile)(t.helm, [...args, "--kubeconfig", t.kubeconfig], { maxBuffer: 64 << 20 })).stdout;
    await helm("install", release, CHART, "--namespace", release, "--create-namespace", "-f", values);
    const objects = (loadAll(await helm("get", "manifest", release, "--namespace", release)) as (Obj | null)[]).filter(
      (o): o is Obj => !!o && isRecorder(o),
    );
    const deployment = objects.find((o) => o.kind === "Deployment") as Obj;
    const pod = `${deployment.metadata.name}-0`;
    const account = deployment.spec.template.spec.serviceAccountName;
    const token = await kubeHttp(t, `/api/v1/namespaces/${release}/serviceaccounts/${account}/token`, {
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
    });
    expect(token.status, token.text).toBe(201);
    const kubeconfig = join(tmp, "recorder.kubeconfig");
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{name: testenv, cluster: {server: "${t.kubeApiUrl}", certificate-authority-data: ${Buffer.from(t.caPem).toString("base64")}}}]
users: [{name: recorder, user: {token: ${token.body.status.token}}}]
contexts: [{name: recorder, context: {cluster: testenv, user: recorder}}]
current-context: recorder
`,
      { mode: 0o600 },
    );
    const env: Record<string, string> = {};
    for (const e of deployment.spec.template.spec.containers[0].env as Obj[])
      env[e.name] = e.valueFrom?.fieldRef?.fieldPath === "metadata.name" ? pod : e.value;
    env.INDEX_CACHE_DIR = join(tmp, "index-cache");
    recorder = startService("recorder", { ...env, KUBECONFIG: kubeconfig }, join(tmp, "logs"), `${release}-recorder`);
    await waitFor(
      "the recorder ready",
      async () => ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok ? true : undefined),
      60_000,
    );

    await createContinuousConfig(space);
    await space.waitForCondition("backupconfigurations", "c", "Recording", "True");
    const made = await kubeHttp(t, `/api/v1/namespaces/${space.ns}/configmaps`, {
      body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "recorded" }, data: { a: "1" } },
    });
    expect(made.status, made.text).toBe(201);
    const reader = namespaceJournal(space);
    const changes = await waitFor(
      "the ConfigMap's addition in the journal",
      async () => {
        const { changes } = await reader.objectHistory({
          group: "",
          resource: "configmaps",
          namespace: space.ns,
          name: "recorded",
        });
        return changes.some((c) => c.kind === "added") ? changes : undefined;
      },
      60_000,
      250,
    );
    expect(changes.at(-1)?.resourceVersion).toBe(made.body.metadata.resourceVersion);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/kubedump_recorder_/);
    const log = readFileSync(recorder.logFile, "utf8");
    expect(log).not.toMatch(/forbidden/i);
  });
});
