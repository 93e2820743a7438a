import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load, loadAll } from "js-yaml";
import { describe, expect, it } from "vitest";
import { at, CHART, CI, envOf, helm, ROOT, render, serviceOf, VALUE_SETS, valuesOf, workloads } from "./helm-chart.js";
import type { Obj } from "./harness.js";

// The Helm chart without a cluster: lint, render with the defaults and with every option set
// (deploy/helm/kubedump/ci/*.yaml), and check what it renders. The services' variables: helm-env.test.ts.
describe("the Helm chart", () => {
  it("ships deploy/crds byte for byte in crds/ (one source: copy deploy/crds/*.yaml there after generating)", () => {
    const source = readdirSync(join(ROOT, "deploy/crds")).sort();
    expect(source.length).toBeGreaterThanOrEqual(3);
    expect(readdirSync(join(CHART, "crds")).sort()).toEqual(source);
    for (const f of source)
      expect(readFileSync(join(CHART, "crds", f)).equals(readFileSync(join(ROOT, "deploy/crds", f))), f).toBe(true);
  });

  it("ships deploy/grafana's rules and dashboard byte for byte in files/ (the PrometheusRule and dashboard ConfigMap)", () => {
    for (const f of ["prometheus-rules.yaml", "kubedump-dashboard.json"])
      expect(readFileSync(join(CHART, "files", f)).equals(readFileSync(join(ROOT, "deploy/grafana", f))), f).toBe(true);
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
      valuesOf(args).metricsGateway?.enabled === false
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
    // One autoscaler at most (KEDA's ScaledObject makes its own HPA), or fixed replicas.
    const scalers = objs.filter((o) => o.kind === "HorizontalPodAutoscaler" || o.kind === "ScaledObject");
    const worker = pods.find((w) => serviceOf(w) === "dump-worker")!;
    expect(scalers.length).toBeLessThanOrEqual(1);
    if (scalers[0]) {
      expect(scalers[0].spec.scaleTargetRef).toEqual({
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: worker.metadata.name,
      });
      expect(worker.spec.replicas).toBeUndefined();
    } else expect(worker.spec.replicas).toBeGreaterThan(0);
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
    // restore.enabled alone adds the dump worker's restore-writer ClusterRole, whose writes are the point.
    const writer = roles.filter((r) => r.metadata.name.endsWith("-restore-writer"));
    expect(writer.map((r) => r.kind)).toEqual(values.restore?.enabled ? ["ClusterRole"] : []);
    // The CRD upgrade hook's ClusterRole: get and patch on the chart's CRDs by name, create (a new one).
    const crdHook = roles.filter((r) => r.metadata.annotations?.["helm.sh/hook"] === "pre-upgrade");
    expect(crdHook.map((r) => r.rules)).toEqual([
      [
        {
          apiGroups: ["apiextensions.k8s.io"],
          resources: ["customresourcedefinitions"],
          resourceNames: readdirSync(join(CHART, "crds"))
            .map((f) => (load(readFileSync(join(CHART, "crds", f), "utf8")) as Obj).metadata.name)
            .sort(),
          verbs: ["get", "patch"],
        },
        { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["create"] },
      ],
    ]);
    const rules = roles
      .filter((r) => !writer.includes(r) && !crdHook.includes(r))
      .flatMap((r) => r.rules.map((rule: Obj) => ({ role: r, ...rule })));
    // Nothing writes RBAC, escalates, impersonates or deletes anything but finished sessions (history limits).
    for (const r of rules) {
      expect(r.verbs, r.role.metadata.name).not.toContain("*");
      for (const v of ["escalate", "bind", "impersonate", "deletecollection"]) expect(r.verbs).not.toContain(v);
      if (r.verbs.includes("delete"))
        for (const resource of r.resources) expect(["backupsessions", "restoresessions"]).toContain(resource);
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
      "KEDA with your Redis but no address for KEDA",
      ["-f", join(CI, "keda-external-values.yaml"), "--set", "dumpWorker.autoscaling.keda.redis.address="],
      /dumpWorker.autoscaling.keda.redis.address: set the host:port of your Redis/,
    ],
    ["a Repository from values without a spec", ["--set", "repositories.r.namespace=x"], /repositories.r.*spec/s],
    ["a Redis digest that is not sha256", ["--set", "redis.bundled.image.digest=latest"], /digest/],
    [
      "an autoscaler whose minimum exceeds its maximum",
      ["--set", "dumpWorker.autoscaling.minReplicas=9"],
      /minReplicas must not exceed maxReplicas/,
    ],
  ])("refuses %s", async (_name, args, message) => {
    await expect(render(args)).rejects.toThrow(message);
  });
});
