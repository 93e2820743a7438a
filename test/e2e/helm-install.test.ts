import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { applyCrd, kubeHttp } from "@kubedump/testenv";
import { load, loadAll } from "js-yaml";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { Obj } from "./harness.js";

// `helm install` of the chart into the test API server, with the defaults and with every option
// set. No controller-manager runs there, so no Pod ever starts: no --wait, and the check is that
// the API server accepted and stored every object the release rendered.
const t = inject("testenv");
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const CHART = join(ROOT, "deploy", "helm", "kubedump");
const CI = join(CHART, "ci");
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), "kubedump-helm-install-"));

const helm = async (...args: string[]) =>
  (await run(t.helm, [...args, "--kubeconfig", t.kubeconfig], { maxBuffer: 64 << 20 })).stdout;
const kubectl = async (...args: string[]) =>
  (await run(t.kubectl, args, { env: { ...process.env, KUBECONFIG: t.kubeconfig }, maxBuffer: 64 << 20 })).stdout;
const docs = (yaml: string) => (loadAll(yaml) as (Obj | null)[]).filter((o): o is Obj => !!o);
const key = (o: Obj) => `${o.kind} ${o.metadata.namespace ?? "-"}/${o.metadata.name}`;
const decode = (s: string) => Buffer.from(s, "base64").toString("utf8");

/** Namespaces a values file puts objects in (besides the release's); they must exist first. */
function namespacesNamed(values: Obj): string[] {
  return [
    values.watchNamespace,
    values.leaderElection?.namespace,
    values.serviceMonitor?.namespace,
    values.prometheusRule?.namespace,
    values.dashboards?.namespace,
    ...((values.rbac?.storageSecrets as Obj[] | undefined) ?? []).map((s) => s.namespace),
    ...[values.repositories, values.backupConfigurations].flatMap((m) =>
      Object.values((m ?? {}) as Record<string, Obj>).map((o) => o.namespace),
    ),
  ].filter((n, i, all): n is string => !!n && all.indexOf(n) === i);
}

/** The YAML blocks NOTES.txt tells the user to apply (between `<<'YAML'` and `YAML`). */
function notesYaml(notes: string): string[] {
  return [...notes.matchAll(/<<'YAML'[^\n]*\n([\s\S]*?)\n {2}YAML\n/g)].map((m) => m[1]!.replace(/^ {2}/gm, ""));
}

const RELEASES: [string, string | undefined][] = [
  ["helm-default", undefined],
  ...readdirSync(CI)
    .sort()
    .map((f): [string, string] => [`helm-${f.replace(/-values\.yaml$/, "")}`, join(CI, f)]),
];

// The real CRDs of the Prometheus Operator and KEDA (test/e2e/third-party-crds/README.md), so the
// API server validates the chart's ServiceMonitors, PrometheusRule, ScaledObject and TriggerAuthentication.
const THIRD_PARTY = join(dirname(fileURLToPath(import.meta.url)), "third-party-crds");
beforeAll(async () => {
  for (const f of readdirSync(THIRD_PARTY).filter((n) => n.endsWith(".yaml")))
    await applyCrd(t, load(readFileSync(join(THIRD_PARTY, f), "utf8")) as Obj);
});

describe("helm install into the test API server", () => {
  it.each(RELEASES)("%s: creates every rendered object and the CRDs", async (release, file) => {
    const values = file ? (load(readFileSync(file, "utf8")) as Obj) : {};
    for (const ns of namespacesNamed(values))
      await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: ns } } });
    await helm("install", release, CHART, "--namespace", release, "--create-namespace", ...(file ? ["-f", file] : []));
    expect(JSON.parse(await helm("status", release, "--namespace", release, "-o", "json")).info.status).toBe(
      "deployed",
    );

    const rendered = docs(await helm("get", "manifest", release, "--namespace", release));
    expect(rendered.filter((o) => o.kind === "Deployment").length).toBeGreaterThanOrEqual(3);
    const manifest = join(tmp, `${release}.yaml`);
    writeFileSync(manifest, await helm("get", "manifest", release, "--namespace", release));
    const live = JSON.parse(await kubectl("get", "-f", manifest, "-o", "json")).items as Obj[];
    expect(live.map(key).sort()).toEqual(rendered.map(key).sort());
    for (const o of live) expect(o.metadata.labels?.["app.kubernetes.io/instance"], key(o)).toBe(release);

    for (const f of readdirSync(join(CHART, "crds"))) {
      const name = (load(readFileSync(join(CHART, "crds", f), "utf8")) as Obj).metadata.name;
      const crd = await kubeHttp(t, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      expect(crd.status, name).toBe(200);
      expect(crd.body.status.conditions.find((c: Obj) => c.type === "Established")?.status, name).toBe("True");
    }
  });

  it("keeps the generated Redis password and push token across helm upgrade", async () => {
    const release = "helm-default";
    const secret = async (name: string) =>
      (await kubeHttp(t, `/api/v1/namespaces/${release}/secrets/${release}-kubedump-${name}`)).body.data;
    const before = { redis: await secret("redis"), gateway: await secret("metrics-gateway") };
    expect(decode(before.redis["redis-password"])).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(decode(before.redis["redis-url"])).toBe(
      `redis://:${decode(before.redis["redis-password"])}@${release}-kubedump-redis.${release}.svc:6379`,
    );
    expect(decode(before.gateway["push-token"])).toMatch(/^[A-Za-z0-9]{40}$/);
    // No Pod runs here, so the CRD upgrade hook's Job could never finish: helm-upgrade-crds.test.ts
    // runs it on a cluster of its own.
    await helm(
      "upgrade",
      release,
      CHART,
      "--namespace",
      release,
      "--set",
      "dumpWorker.concurrency=3,upgradeCRDs.enabled=false",
    );
    expect({ redis: await secret("redis"), gateway: await secret("metrics-gateway") }).toEqual(before);
    const worker = await kubeHttp(t, `/apis/apps/v1/namespaces/${release}/deployments/${release}-kubedump-dump-worker`);
    expect(worker.body.spec.template.spec.containers[0].env).toContainEqual({ name: "CONCURRENCY", value: "3" });
  });

  it.each([
    ["helm-default", "default"],
    ["helm-all-options", "helm-all-apps"],
  ])(
    "%s: the Secret, Repository, BackupConfiguration and BackupSession NOTES.txt shows are accepted by the API server",
    async (release, namespace) => {
      const blocks = notesYaml(await helm("get", "notes", release, "--namespace", release));
      expect(blocks).toHaveLength(2);
      const [first, session] = blocks.map((b, i) => {
        const file = join(tmp, `${release}-notes-${i}.yaml`);
        writeFileSync(file, b);
        return file;
      });
      const created = await kubectl("apply", "--dry-run=server", "-f", first!);
      expect(created).toMatch(/secret\/s3-secret created \(server dry run\)/);
      expect(created).toMatch(/repository.kubedump.io\/s3-repo created/);
      expect(created).toMatch(/backupconfiguration.kubedump.io\/nightly created/);
      expect(readFileSync(first!, "utf8")).toContain(`namespace: ${namespace}`);
      expect(await kubectl("create", "--dry-run=server", "-n", namespace, "-f", session!)).toMatch(
        /backupsession.kubedump.io\/nightly-now-\w+ created/,
      );
    },
  );

  it.each([
    [
      "helm-all-options",
      ["PrometheusRule", "NetworkPolicy", "ConfigMap", "Repository", "BackupConfiguration", "PersistentVolumeClaim"],
    ],
    ["helm-keda", ["ScaledObject", "TriggerAuthentication", "NetworkPolicy"]],
    ["helm-keda-external", ["ScaledObject", "TriggerAuthentication"]],
  ])("%s: the API server stored the release's %s objects as rendered", async (release, kinds) => {
    const rendered = docs(await helm("get", "manifest", release, "--namespace", release));
    for (const kind of kinds) {
      const mine = rendered.filter((o) => o.kind === kind);
      expect(mine.length, kind).toBeGreaterThan(0);
      for (const o of mine) {
        const ns = o.metadata.namespace ?? release;
        const live = JSON.parse(await kubectl("get", kind.toLowerCase(), o.metadata.name, "-n", ns, "-o", "json"));
        // Kept, not pruned: what the chart set is what the CRD's schema (or the built-in type) stores.
        if (o.spec) expect(live.spec, key(o)).toMatchObject(o.spec);
        if (o.data) expect(live.data, key(o)).toEqual(o.data);
      }
    }
    if (release === "helm-all-options") {
      const worker = await kubeHttp(t, `/apis/apps/v1/namespaces/${release}/deployments/${release}-kd-dump-worker`);
      const volumes = worker.body.spec.template.spec.volumes.map((v: Obj) => v.name);
      expect(volumes).toEqual(expect.arrayContaining(["local-backups", "ca-bundle"]));
      expect(worker.body.spec.template.spec.initContainers.map((c: Obj) => c.name)).toEqual([
        "wait-for-backups-volume",
      ]);
    }
  });

  it("accepts the examples Chart.yaml shows on Artifact Hub (artifacthub.io/crdsExamples)", async () => {
    const chart = load(readFileSync(join(CHART, "Chart.yaml"), "utf8")) as Obj;
    const examples = load(chart.annotations["artifacthub.io/crdsExamples"]) as Obj[];
    expect(examples.map((e) => e.kind).sort()).toEqual([
      "BackupConfiguration",
      "BackupSession",
      "Repository",
      "RestoreSession",
    ]);
    const ns = "helm-artifacthub-examples";
    await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: ns } } });
    const file = join(tmp, "crds-examples.yaml");
    writeFileSync(
      file,
      examples.map((e) => JSON.stringify({ ...e, metadata: { ...e.metadata, namespace: ns } })).join("\n---\n"),
    );
    const out = await kubectl("create", "--dry-run=server", "--validate=strict", "-f", file);
    for (const e of examples) expect(out).toContain(`${e.kind.toLowerCase()}.kubedump.io/${e.metadata.name} created`);
  });
});
