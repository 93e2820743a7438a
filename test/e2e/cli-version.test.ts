import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubeHttp } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { kubeconfigIn, kubedump } from "../../packages/cli/src/test-support.js";
import { CHART, ROOT, render } from "./helm-chart.js";
import type { Obj } from "./harness.js";

// `kubedump version`: the CLI's version and commit, and the services' versions read from the
// Deployments the chart makes (rendered by helm, created in the test API server: no Pods run, so
// none is ready), with an admin's kubeconfig and with a user who may list Deployments in one
// namespace only.
const t = inject("testenv");
const NS = "e2e-cli-version";
const TAG = "1.2.3-rc.1";
const APP_VERSION = /^appVersion: "?([^"\n]+)"?$/m.exec(readFileSync(join(CHART, "Chart.yaml"), "utf8"))![1]!;
const COMPONENTS = ["dump-worker", "metrics-gateway", "scheduler", "watcher"];

async function create(path: string, body: object): Promise<Obj> {
  const res = await kubeHttp(t, path, { body });
  if (res.status !== 201) throw new Error(`creating ${path}: ${res.status} ${res.text}`);
  return res.body;
}

/** A kubeconfig of ServiceAccount `reader` of NS, which may list Deployments there and nothing else. */
async function readerKubeconfig(): Promise<string> {
  await create(`/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: "reader" } });
  const rbac = "/apis/rbac.authorization.k8s.io/v1";
  await create(`${rbac}/namespaces/${NS}/roles`, {
    metadata: { name: "deployments" },
    rules: [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["list"] }],
  });
  await create(`${rbac}/namespaces/${NS}/rolebindings`, {
    metadata: { name: "reader" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "deployments" },
    subjects: [{ kind: "ServiceAccount", name: "reader", namespace: NS }],
  });
  const token = await create(`/api/v1/namespaces/${NS}/serviceaccounts/reader/token`, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds: 3600 },
  });
  const file = join(mkdtempSync(join(tmpdir(), "kubedump-reader-")), "config");
  const ca = Buffer.from(t.caPem).toString("base64");
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${t.kubeApiUrl}", certificate-authority-data: ${ca}}}]
users: [{name: reader, user: {token: ${token.status.token}}}]
contexts: [{name: x, context: {cluster: c, user: reader, namespace: ${NS}}}]
current-context: x
`,
  );
  return file;
}

beforeAll(async () => {
  await create("/api/v1/namespaces", { metadata: { name: NS } });
  const objects = await render(["--set", `image.tag=${TAG}`]);
  for (const d of objects.filter((o) => o.kind === "Deployment"))
    await create(`/apis/apps/v1/namespaces/${NS}/deployments`, { ...d, metadata: { ...d.metadata, namespace: NS } });
});

interface Versions {
  client: { version: string; commit: string };
  services?: Obj[];
  servicesError?: string;
}

const versions = async (env: Record<string, string>, args: string[] = []): Promise<Versions> => {
  const run = await kubedump(["version", "-o", "json", ...args], env);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
};

describe("kubedump version", () => {
  const client = {
    version: JSON.parse(readFileSync(join(ROOT, "packages/cli/package.json"), "utf8")).version,
    commit: JSON.parse(readFileSync(join(ROOT, "packages/cli/bin/build-info.json"), "utf8")).commit,
  };

  it("names the chart's services in a namespace: component, version, image and readiness", async () => {
    const v = await versions({ KUBECONFIG: t.kubeconfig }, ["-n", NS]);
    expect(v.client).toEqual(client);
    expect(v.services!.map((s) => s.component)).toEqual(COMPONENTS);
    for (const s of v.services!) {
      expect(s).toMatchObject({ namespace: NS, version: APP_VERSION, ready: "0/1" });
      expect(s.image).toBe(`ghcr.io/kubedump/kubedump:${TAG}`);
    }
    const text = await kubedump(["version", "-n", NS], { KUBECONFIG: t.kubeconfig });
    expect(text.stdout).toContain(`Client: ${client.version} (commit ${client.commit})\nServices:\n`);
    expect(text.stdout).toMatch(
      new RegExp(`^ {2}${NS} +kd-kubedump-watcher +watcher +${APP_VERSION} +\\S+:${TAG} +0/1$`, "m"),
    );
  });

  it("looks in every namespace by default", async () => {
    const v = await versions({ KUBECONFIG: t.kubeconfig });
    expect(v.services!.filter((s) => s.namespace === NS)).toHaveLength(COMPONENTS.length);
  });

  it("falls back to the context's namespace for a user who may not list Deployments everywhere", async () => {
    const v = await versions({ KUBECONFIG: await readerKubeconfig() });
    expect(v.services!.map((s) => [s.namespace, s.component])).toEqual(COMPONENTS.map((c) => [NS, c]));
  });

  it("prints the client's version when the cluster cannot be reached, and says why on stderr", async () => {
    const file = kubeconfigIn(t.kubeconfig, NS);
    writeFileSync(file, readFileSync(file, "utf8").replace(t.kubeApiUrl, "https://127.0.0.1:1"));
    const run = await kubedump(["version"], { KUBECONFIG: file });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`Client: ${client.version} (commit ${client.commit})\n`);
    expect(run.stderr).toContain("Services: the cluster cannot be reached");
    const offline = await kubedump(["version", "--client", "-o", "json"], { KUBECONFIG: "/nonexistent" });
    expect(JSON.parse(offline.stdout)).toEqual({ client });
  });
});
