import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type ExtraCluster, kubeHttp, startExtraCluster } from "@kubedump/testenv";
import { dump, load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CHART, render } from "./helm-chart.js";
import type { Obj } from "./harness.js";
import { runPods } from "./pod-runner.js";

// upgradeCRDs: `helm upgrade` with a chart whose CRD changed brings the CRD up to date through
// the pre-upgrade hook Job, on a cluster of its own with a controller-manager (the Job controller
// makes the Pod; pod-runner.ts plays the kubelet and runs the Job's container with node).
const t = inject("testenv");
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), "kubedump-upgrade-crds-"));
const RELEASE = "crd-upgrade";
const REPOSITORIES = "/apis/kubedump.io/v1alpha1/namespaces/crd-upgrade/repositories";
let cluster: ExtraCluster;
const helm = async (...args: string[]) =>
  (await run(t.helm, [...args, "--kubeconfig", cluster.kubeconfig], { maxBuffer: 64 << 20 })).stdout;

/** A Repository using spec.description, which only the changed CRD knows; the API server rejects unknown fields. */
const createDescribed = (name: string) =>
  kubeHttp(cluster, `${REPOSITORIES}?fieldValidation=Strict`, {
    body: {
      apiVersion: "kubedump.io/v1alpha1",
      kind: "Repository",
      metadata: { name },
      spec: { backend: { local: { path: "/backups" } }, description: "the team's backups" },
    },
  });

/** A copy of the chart, version 0.1.1, whose Repository CRD has spec.description and which brings one more CRD. */
function changedChart(): string {
  const dir = join(tmp, "kubedump");
  cpSync(CHART, dir, { recursive: true });
  const chartFile = join(dir, "Chart.yaml");
  writeFileSync(chartFile, readFileSync(chartFile, "utf8").replace(/^version: .*$/m, "version: 0.1.1"));
  const repoFile = join(dir, "crds", "kubedump.io_repositories.yaml");
  const crd = load(readFileSync(repoFile, "utf8")) as Obj;
  crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.description = {
    type: "string",
    description: "What the repository is for.",
  };
  writeFileSync(repoFile, dump(crd));
  const extra = structuredClone(crd);
  extra.metadata.name = "archives.kubedump.io";
  extra.spec.names = { kind: "Archive", listKind: "ArchiveList", plural: "archives", singular: "archive" };
  writeFileSync(join(dir, "crds", "kubedump.io_archives.yaml"), dump(extra));
  return dir;
}

beforeAll(async () => {
  cluster = await startExtraCluster({ controllers: true });
});
afterAll(() => cluster?.stop());

describe("upgradeCRDs", () => {
  it("renders a hardened pre-upgrade hook Job in the kubedump image, carrying every CRD of crds/", async () => {
    const objs = await render([]);
    const hook = objs.filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "upgrade-crds");
    expect(hook.map((o) => o.kind).sort()).toEqual([
      "ClusterRole",
      "ClusterRoleBinding",
      "ConfigMap",
      "Job",
      "ServiceAccount",
    ]);
    for (const o of hook)
      expect(o.metadata.annotations, `${o.kind}`).toMatchObject({
        "helm.sh/hook": "pre-upgrade",
        "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
      });
    const job = hook.find((o) => o.kind === "Job")!;
    const pod = job.spec.template.spec;
    const [c] = pod.containers;
    const worker = objs.find((o) => o.kind === "Deployment" && o.metadata.name.endsWith("-dump-worker"))!;
    expect(c.image).toBe(worker.spec.template.spec.containers[0].image);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.resources.limits).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(pod.restartPolicy).toBe("Never");
    expect(job.spec.activeDeadlineSeconds).toBe(300);
    const data = hook.find((o) => o.kind === "ConfigMap")!.data as Record<string, string>;
    const crds = readdirSync(join(CHART, "crds")).map((f) => readFileSync(join(CHART, "crds", f), "utf8"));
    expect(Object.keys(data).filter((k) => k.endsWith(".yaml"))).toHaveLength(crds.length);
    for (const text of crds) expect(data[`${(load(text) as Obj).metadata.name}.yaml`]).toBe(text);
    expect(data["upgrade-crds.mjs"]).toBe(readFileSync(join(CHART, "files", "upgrade-crds.mjs"), "utf8"));
    expect((await render(["--set", "upgradeCRDs.enabled=false"])).some((o) => o.kind === "Job")).toBe(false);
  });

  it("makes helm upgrade apply a changed CRD and a new one, and the API server serves the new schema", async () => {
    await helm("install", RELEASE, CHART, "--namespace", RELEASE, "--create-namespace");
    const before = await createDescribed("before");
    expect(before.status).toBe(400);
    expect(before.body.message).toMatch(/unknown field "spec.description"/);

    const runner = runPods(cluster, RELEASE);
    try {
      await helm("upgrade", RELEASE, changedChart(), "--namespace", RELEASE, "--timeout", "3m");
    } finally {
      await runner.stop();
    }
    expect(runner.runs.map((r) => [r.pod.replace(/-\w+$/, ""), r.exitCode, r.stderr])).toEqual([
      [`${RELEASE}-kubedump-upgrade-crds`, 0, ""],
    ]);
    const logged = runner.runs[0]!.stdout.split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Obj);
    expect(logged.filter((l) => l.name).map((l) => [l.msg, l.name])).toContainEqual([
      "created CustomResourceDefinition",
      "archives.kubedump.io",
    ]);

    const after = await createDescribed("after");
    expect(after.status, after.text).toBe(201);
    expect((await kubeHttp(cluster, `${REPOSITORIES}/after`)).body.spec.description).toBe("the team's backups");
    const archives = await kubeHttp(
      cluster,
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/archives.kubedump.io",
    );
    expect(archives.body.status.conditions.find((c: Obj) => c.type === "Established")?.status).toBe("True");

    const [release] = JSON.parse(await helm("list", "--namespace", RELEASE, "-o", "json")) as Obj[];
    expect([release!.status, release!.revision, release!.chart]).toEqual(["deployed", "2", "kubedump-0.1.1"]);
    // The hook's objects went once the Job succeeded.
    for (const path of [
      `/apis/batch/v1/namespaces/${RELEASE}/jobs/${RELEASE}-kubedump-upgrade-crds`,
      `/api/v1/namespaces/${RELEASE}/configmaps/${RELEASE}-kubedump-upgrade-crds`,
      `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${RELEASE}-kubedump-upgrade-crds`,
    ])
      expect((await kubeHttp(cluster, path)).status, path).toBe(404);
  });

  it("fails naming the CRD when its ServiceAccount may not apply it", async () => {
    const ns = `/api/v1/namespaces/${RELEASE}`;
    await kubeHttp(cluster, `${ns}/serviceaccounts`, { body: { metadata: { name: "nobody" } } });
    const token = (
      await kubeHttp(cluster, `${ns}/serviceaccounts/nobody/token`, { body: { spec: { expirationSeconds: 600 } } })
    ).body.status.token;
    const sa = join(tmp, "nobody");
    const crds = join(tmp, "nobody-crds");
    mkdirSync(sa);
    mkdirSync(crds);
    writeFileSync(join(sa, "token"), token);
    writeFileSync(join(sa, "ca.crt"), cluster.caPem);
    cpSync(join(CHART, "crds", "kubedump.io_repositories.yaml"), join(crds, "repositories.kubedump.io.yaml"));
    const api = new URL(cluster.kubeApiUrl);
    const failed = await run(process.execPath, [join(CHART, "files", "upgrade-crds.mjs")], {
      env: {
        CRD_DIR: crds,
        KUBE_SERVICEACCOUNT_DIR: sa,
        KUBERNETES_SERVICE_HOST: api.hostname,
        KUBERNETES_SERVICE_PORT: api.port,
      },
    }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(
      /applying CustomResourceDefinition repositories.kubedump.io failed \(HTTP 403\): .*forbidden/,
    );
    expect(failed?.stderr).not.toContain(token);
  });
});
