import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as dumpWorkerConfig from "@kubedump/dump-worker/config";
import * as gatewayConfig from "@kubedump/metrics-gateway/config";
import * as schedulerConfig from "@kubedump/scheduler/config";
import * as watcherConfig from "@kubedump/watcher/config";
import { load, loadAll } from "js-yaml";
import { describe, expect, inject, it } from "vitest";
import type { Obj } from "./harness.js";

// The Helm chart without a cluster: lint, render with the defaults and with every option set
// (deploy/helm/kubedump/ci/*.yaml), and check what it renders.
const t = inject("testenv");
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const CHART = join(ROOT, "deploy", "helm", "kubedump");
const CI = join(CHART, "ci");
const run = promisify(execFile);

const helm = async (...args: string[]) => (await run(t.helm, args, { maxBuffer: 64 << 20 })).stdout;
const render = async (args: string[]): Promise<Obj[]> =>
  (loadAll(await helm("template", "kd", CHART, "--namespace", "helm-render", ...args)) as (Obj | null)[]).filter(
    (o): o is Obj => !!o,
  );

const VALUE_SETS: [string, string[]][] = [
  ["the defaults", []],
  ...readdirSync(CI)
    .sort()
    .map((f): [string, string[]] => [basename(f, ".yaml"), ["-f", join(CI, f)]]),
];
const valuesOf = (args: string[]): Obj => (args[1] ? (load(readFileSync(args[1], "utf8")) as Obj) : {});
const at = (o: Obj, path: string): unknown => path.split(".").reduce<unknown>((v, k) => (v as Obj | undefined)?.[k], o);

const SERVICES = ["watcher", "scheduler", "dump-worker", "metrics-gateway"] as const;
type Service = (typeof SERVICES)[number];
const serviceOf = (o: Obj): Service | undefined =>
  SERVICES.find((s) => o.metadata.labels?.["app.kubernetes.io/component"] === s);
const workloads = (objs: Obj[]) => objs.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet");

/** A container's environment as the kubelet would give it (Secrets read from the rendered ones). */
function envOf(container: Obj, objs: Obj[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = objs.find((o) => o.kind === "Secret" && o.metadata.name === ref.name);
      const data = secret?.data?.[ref.key];
      env[e.name] = data
        ? Buffer.from(data, "base64").toString("utf8")
        : e.name === "REDIS_URL"
          ? "redis://existing-secret:6379"
          : "from-existing-secret";
    } else if (e.valueFrom?.fieldRef) env[e.name] = "kd-pod-0";
    else env[e.name] = e.value;
  }
  return env;
}

/** What each service's `./config` export says it reads: its variables, their aliases, and the parser itself. */
interface ServiceConfig {
  ENV_VARS: readonly string[];
  ENV_ALIASES?: Readonly<Record<string, string>>;
  loadConfig(env: NodeJS.ProcessEnv): unknown;
}
const CONFIGS: Record<Service, ServiceConfig> = {
  watcher: watcherConfig,
  scheduler: schedulerConfig,
  "dump-worker": dumpWorkerConfig,
  "metrics-gateway": gatewayConfig,
};
const variablesOf = (service: Service) => new Set(CONFIGS[service].ENV_VARS);
/** The variable itself, or the one it is an alias of. */
const canonical = (service: Service, name: string) => CONFIGS[service].ENV_ALIASES?.[name] ?? name;

describe("the Helm chart", () => {
  it("ships deploy/crds byte for byte in crds/ (one source: copy deploy/crds/*.yaml there after generating)", () => {
    const source = readdirSync(join(ROOT, "deploy/crds")).sort();
    expect(source.length).toBeGreaterThanOrEqual(3);
    expect(readdirSync(join(CHART, "crds")).sort()).toEqual(source);
    for (const f of source)
      expect(readFileSync(join(CHART, "crds", f)).equals(readFileSync(join(ROOT, "deploy/crds", f))), f).toBe(true);
  });

  it.each(VALUE_SETS)("passes helm lint --strict with %s", async (_name, args) => {
    expect(await helm("lint", "--strict", CHART, ...args)).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it.each(VALUE_SETS)("renders hardened, probed, limited workloads with %s", async (_name, args) => {
    const objs = await render(args);
    const pods = workloads(objs);
    expect(
      pods
        .filter((o) => o.kind === "Deployment")
        .map(serviceOf)
        .sort(),
    ).toEqual(
      args[1]?.includes("external")
        ? ["dump-worker", "scheduler", "watcher"]
        : ["dump-worker", "metrics-gateway", "scheduler", "watcher"],
    );
    for (const w of pods) {
      const spec = w.spec.template.spec;
      const what = `${w.kind} ${w.metadata.name}`;
      for (const [k, v] of Object.entries(w.spec.selector.matchLabels))
        expect(w.spec.template.metadata.labels[k], `${what} label ${k}`).toBe(v);
      expect(spec.securityContext, what).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(spec.securityContext.runAsUser, what).toBeGreaterThan(0);
      expect(spec.automountServiceAccountToken, what).toBe(
        ["watcher", "scheduler", "dump-worker"].includes(serviceOf(w) ?? ""),
      );
      for (const c of spec.containers) {
        const name = `${what} container ${c.name}`;
        expect(c.securityContext, name).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          privileged: false,
          capabilities: { drop: ["ALL"] },
        });
        expect(c.securityContext.runAsUser ?? spec.securityContext.runAsUser, name).toBeGreaterThan(0);
        expect(c.resources?.limits, name).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
        expect(c.resources?.requests, name).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
        expect(c.livenessProbe, name).toBeDefined();
        expect(c.readinessProbe, name).toBeDefined();
        for (const probe of [c.livenessProbe, c.readinessProbe]) {
          if (probe.httpGet)
            expect(
              c.ports.map((p: Obj) => p.name),
              name,
            ).toContain(probe.httpGet.port);
        }
        // Every writable path is a volume: the root filesystem is read-only.
        const mounts = (c.volumeMounts ?? []).map((m: Obj) => m.mountPath);
        expect(mounts, name).toContain(w.kind === "StatefulSet" ? "/data" : "/tmp");
        if (serviceOf(w) === "dump-worker") {
          expect(mounts).toContain(envOf(c, objs).SCRATCH_DIR);
          expect(spec.volumes.find((v: Obj) => v.name === "scratch").emptyDir.sizeLimit).toBeTruthy();
        }
      }
    }
    // Services select Pods that exist; ServiceAccounts hold no token unless a Pod asks for one.
    for (const svc of objs.filter((o) => o.kind === "Service")) {
      const target = pods.find((w) =>
        Object.entries(svc.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v),
      );
      expect(target, `Service ${svc.metadata.name}`).toBeDefined();
      const ports = target!.spec.template.spec.containers.flatMap((c: Obj) => c.ports.map((p: Obj) => p.name));
      for (const p of svc.spec.ports) expect(ports).toContain(p.targetPort);
    }
    for (const sa of objs.filter((o) => o.kind === "ServiceAccount"))
      expect(sa.automountServiceAccountToken).toBe(false);
    const hpa = objs.find((o) => o.kind === "HorizontalPodAutoscaler");
    const worker = pods.find((w) => serviceOf(w) === "dump-worker")!;
    if (hpa) {
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: worker.metadata.name,
      });
      expect(worker.spec.replicas).toBeUndefined();
    } else expect(worker.spec.replicas).toBeGreaterThan(0);
  });

  it.each(VALUE_SETS)(
    "sets only variables the services read, and each service accepts them, with %s",
    async (_name, args) => {
      const objs = await render(args);
      for (const w of workloads(objs).filter((o) => o.kind === "Deployment")) {
        const service = serviceOf(w)!;
        const container = w.spec.template.spec.containers[0];
        expect(container.args).toEqual([`/app/services/${service}/dist/main.js`]);
        const env = envOf(container, objs);
        const extra = new Set<string>(
          (
            (at(
              valuesOf(args),
              `${service === "dump-worker" ? "dumpWorker" : service === "metrics-gateway" ? "metricsGateway" : service}.extraEnv`,
            ) as Obj[] | undefined) ?? []
          ).map((e) => e.name),
        );
        const unknown = Object.keys(env).filter((k) => !variablesOf(service).has(k) && !extra.has(k));
        expect(unknown, `${service} variables no config reads`).toEqual([]);
        expect(env.KUBECONFIG, "in-cluster: no KUBECONFIG").toBeUndefined();
        expect(() => CONFIGS[service].loadConfig(env), service).not.toThrow();
      }
    },
  );

  it("covers every variable of every service with a value, itself or through an alias (except KUBECONFIG, absent in-cluster)", async () => {
    const seen = new Map<Service, Set<string>>(SERVICES.map((s) => [s, new Set()]));
    for (const [, args] of VALUE_SETS) {
      const objs = await render(args);
      for (const w of workloads(objs).filter((o) => o.kind === "Deployment"))
        for (const k of Object.keys(envOf(w.spec.template.spec.containers[0], objs)))
          seen.get(serviceOf(w)!)!.add(canonical(serviceOf(w)!, k));
    }
    for (const s of SERVICES)
      expect(
        [...variablesOf(s)].filter((v) => v !== "KUBECONFIG" && !seen.get(s)!.has(canonical(s, v))),
        s,
      ).toEqual([]);
  });

  // Variable ← value, checked on the all-options render (every one differs from its default there).
  const MAPPING: [Service, string, string][] = [
    ...(["watcher", "scheduler"] as const).flatMap((s): [Service, string, string][] => [
      [s, "HTTP_PORT", `${s}.httpPort`],
      [s, "LEASE_NAME", `${s}.leaseName`],
      [s, "RESYNC_SECONDS", `${s}.resyncSeconds`],
      [s, "LOG_LEVEL", `${s}.logLevel`],
      [s, "LEASE_NAMESPACE", "leaderElection.namespace"],
      [s, "LEASE_DURATION_SECONDS", "leaderElection.leaseDurationSeconds"],
      [s, "WATCH_NAMESPACE", "watchNamespace"],
      [s, "QUEUE_PREFIX", "queuePrefix"],
      [s, "HTTP_HOST", "httpHost"],
    ]),
    ["dump-worker", "HTTP_PORT", "dumpWorker.httpPort"],
    ["dump-worker", "CONCURRENCY", "dumpWorker.concurrency"],
    ["dump-worker", "JOB_LOCK_SECONDS", "dumpWorker.jobLockSeconds"],
    ["dump-worker", "STASH_METRIC_NAMES", "dumpWorker.stashMetricNames"],
    ["dump-worker", "KUBE_QPS", "dumpWorker.kubeQps"],
    ["dump-worker", "KUBE_BURST", "dumpWorker.kubeBurst"],
    ["dump-worker", "LOG_LEVEL", "dumpWorker.logLevel"],
    ["dump-worker", "METRICS_GATEWAY_TOKEN", "metricsGateway.pushToken.value"],
    ["dump-worker", "QUEUE_PREFIX", "queuePrefix"],
    ["metrics-gateway", "PORT", "metricsGateway.port"],
    ["metrics-gateway", "HOST", "httpHost"],
    ["metrics-gateway", "GATEWAY_KEY_PREFIX", "metricsGateway.gatewayKeyPrefix"],
    ["metrics-gateway", "BODY_LIMIT_BYTES", "metricsGateway.bodyLimitBytes"],
    ["metrics-gateway", "PUSH_TOKEN", "metricsGateway.pushToken.value"],
    ["metrics-gateway", "LOG_LEVEL", "metricsGateway.logLevel"],
    ["metrics-gateway", "QUEUE_PREFIX", "queuePrefix"],
  ];
  it("maps values one-to-one onto the services' variables", async () => {
    const args = ["-f", join(CI, "all-options-values.yaml")];
    const values = valuesOf(args);
    const objs = await render(args);
    const envs = new Map(
      workloads(objs)
        .filter((o) => o.kind === "Deployment")
        .map((w) => [serviceOf(w), envOf(w.spec.template.spec.containers[0], objs)]),
    );
    for (const [service, variable, path] of MAPPING)
      expect(envs.get(service)?.[variable], `${service} ${variable} ← ${path}`).toBe(String(at(values, path)));
    // Values that are not service settings land where they should.
    const external = await render(["-f", join(CI, "external-values.yaml")]);
    const worker = envOf(
      workloads(external).find((w) => serviceOf(w) === "dump-worker")!.spec.template.spec.containers[0],
      external,
    );
    expect(worker.METRICS_GATEWAY_URL).toBe("http://prometheus-pushgateway.monitoring.svc:9091");
    expect(worker.METRICS_GATEWAY_TOKEN).toBe("from-existing-secret");
    const noRbac = await render(["-f", join(CI, "no-rbac-values.yaml")]);
    expect(envOf(workloads(noRbac)[0]!.spec.template.spec.containers[0], noRbac).REDIS_URL).toBe(
      "rediss://:secret@redis.example.com:6380/2",
    );
  });

  it("documents every value in values.yaml comments and values.schema.json descriptions", () => {
    const text = readFileSync(join(CHART, "values.yaml"), "utf8");
    const values = load(text) as Obj;
    const schema = JSON.parse(readFileSync(join(CHART, "values.schema.json"), "utf8")) as Obj;
    const resolve = (node: Obj): Obj =>
      node.$ref
        ? { ...(at(schema, node.$ref.slice(2).replaceAll("/", ".")) as Obj), description: node.description }
        : node;
    // Each block key of values.yaml, by path, with whether the line above it is a comment.
    const commented = new Map<string, boolean>();
    const stack: string[] = [];
    text.split("\n").forEach((line, i, lines) => {
      const m = /^( *)([A-Za-z][\w.-]*):( |$)/.exec(line);
      if (!m) return;
      stack.length = m[1]!.length / 2;
      stack.push(m[2]!);
      commented.set(stack.join("."), i > 0 && lines[i - 1]!.trimStart().startsWith("#"));
    });
    const problems: string[] = [];
    const walk = (node: Obj, value: Obj, path: string[]) => {
      for (const [key, sub] of Object.entries(node.properties ?? {})) {
        const p = [...path, key].join(".");
        const child = resolve(sub as Obj);
        if (!child.description) problems.push(`no schema description: ${p}`);
        if (key === "global") continue;
        if (!(key in value)) problems.push(`not in values.yaml: ${p}`);
        else if (!commented.get(p)) problems.push(`no comment in values.yaml: ${p}`);
        if (child.properties && value[key]) walk(child, value[key], [...path, key]);
      }
      for (const key of Object.keys(value))
        if (!(key in (node.properties ?? {}))) problems.push(`not in the schema: ${[...path, key].join(".")}`);
    };
    walk(schema, values, []);
    expect(problems).toEqual([]);
    expect(commented.size).toBeGreaterThan(100);
  });

  it.each(VALUE_SETS)("grants least privilege with %s", async (_name, args) => {
    const values = valuesOf(args);
    const objs = await render(args);
    const roles = objs.filter((o) => o.kind === "Role" || o.kind === "ClusterRole");
    const bindings = objs.filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding");
    if (values.rbac?.create === false) return expect(roles.length + bindings.length).toBe(0);
    const rules = roles.flatMap((r) => r.rules.map((rule: Obj) => ({ role: r, ...rule })));
    // Nothing writes RBAC, escalates, impersonates or deletes anything but BackupSessions.
    for (const r of rules) {
      expect(r.verbs, r.role.metadata.name).not.toContain("*");
      for (const v of ["escalate", "bind", "impersonate", "deletecollection"]) expect(r.verbs).not.toContain(v);
      if (r.verbs.includes("delete")) expect(r.resources).toEqual(["backupsessions"]);
      const writes = r.verbs.some((v: string) => !["get", "list", "watch"].includes(v));
      if (writes)
        expect(
          r.apiGroups.every((g: string) => ["kubedump.io", "", "events.k8s.io", "coordination.k8s.io"].includes(g)),
          r.role.metadata.name,
        ).toBe(true);
      if (writes && r.apiGroups.includes("")) expect(r.resources).toEqual(["events"]);
    }
    // The gateway has no binding; every other subject is one of the chart's ServiceAccounts.
    const subjects = bindings.flatMap((b) => b.subjects.map((s: Obj) => s.name));
    expect(subjects.some((n: string) => n.includes("metrics-gateway"))).toBe(false);
    // Secrets: the worker reads every one only when it backs them up; otherwise `get` on the storage Secrets only.
    const secretRules = rules.filter((r) => r.apiGroups.includes("") && r.resources.includes("secrets"));
    const backupSecrets = values.dumpWorker?.rbac?.backupSecrets !== false;
    const everything = rules.filter((r) => r.apiGroups.includes("*"));
    expect(everything.map((r) => [r.role.kind, r.verbs])).toEqual(
      backupSecrets ? [["ClusterRole", ["get", "list"]]] : [],
    );
    for (const r of secretRules) expect(r.verbs).toEqual(["get"]);
    const storage = values.rbac?.storageSecrets as Obj[] | undefined;
    if (storage?.length) {
      expect(secretRules.map((r) => [r.role.kind, r.role.metadata.namespace, r.resourceNames])).toEqual(
        storage.map((s) => ["Role", s.namespace, s.names]),
      );
    }
    // A watched namespace turns the kubedump.io permissions into Roles there.
    if (values.watchNamespace) {
      for (const r of rules.filter(
        (x) => x.apiGroups.includes("kubedump.io") && x.verbs.some((v: string) => v !== "get" && v !== "list"),
      )) {
        expect([r.role.kind, r.role.metadata.namespace]).toEqual(["Role", values.watchNamespace]);
      }
    }
  });

  it("keeps names valid with the longest release name Helm allows (53 characters)", async () => {
    const release = "r".repeat(53);
    const objs = (
      loadAll(await helm("template", release, CHART, "-f", join(CI, "all-options-values.yaml"))) as (Obj | null)[]
    ).filter((o): o is Obj => !!o);
    for (const o of objs) {
      expect(o.metadata.name.length, o.metadata.name).toBeLessThanOrEqual(o.kind === "Service" ? 63 : 253);
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    expect(new Set(objs.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).size).toBe(objs.length);
  });

  it.each([
    ["an unknown key", ["--set", "watcher.replicsa=2"], /additional properties 'replicsa' not allowed/],
    ["a bad log level", ["--set", "logLevel=loud"], /logLevel/],
    ["a concurrency over 64", ["--set", "dumpWorker.concurrency=65"], /concurrency/],
    [
      "Secrets among the core resources of a secret-less worker",
      ["--set", "dumpWorker.rbac.coreResources[0]=secrets"],
      /coreResources/,
    ],
    [
      "both a bundled and an external Redis",
      ["--set", "redis.external.url=redis://r:6379"],
      /set redis.bundled.enabled=false to use redis.external/,
    ],
    [
      "no Redis at all",
      ["--set", "redis.bundled.enabled=false"],
      /set redis.external.url or redis.external.existingSecret/,
    ],
    [
      "an autoscaler whose minimum exceeds its maximum",
      ["--set", "dumpWorker.autoscaling.minReplicas=9"],
      /minReplicas must not exceed maxReplicas/,
    ],
  ])("refuses %s", async (_name, args, message) => {
    await expect(render(args)).rejects.toThrow(message);
  });
});
