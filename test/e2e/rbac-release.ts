// A release of the chart run outside a cluster, for the RBAC tests (rbac.test.ts): installed with
// helm, its services as OS processes with their ServiceAccounts' tokens.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort, kubeHttp } from "@kubedump/testenv";
import { loadAll } from "js-yaml";
import { expect, inject } from "vitest";
import { type Obj, type ServiceName, type ServiceProcess, startService, stopService, waitFor } from "./harness.js";

const t = inject("testenv");
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const CHART = join(ROOT, "deploy", "helm", "kubedump");
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), "kubedump-rbac-"));

export const SERVICES: ServiceName[] = ["watcher", "scheduler", "dump-worker", "metrics-gateway"];

export interface Release {
  name: string;
  objects: Obj[];
  tokens: Record<ServiceName, string>;
  ports: Record<ServiceName, number>;
}
const processes: ServiceProcess[] = [];

const helm = async (...args: string[]) =>
  (await run(t.helm, [...args, "--kubeconfig", t.kubeconfig], { maxBuffer: 64 << 20 })).stdout;
export const deploymentOf = (r: Release, s: ServiceName) =>
  r.objects.find((o) => o.kind === "Deployment" && o.metadata.labels["app.kubernetes.io/component"] === s)!;
const b64 = (s: string) => Buffer.from(s).toString("base64");

/** Installs the chart (no --wait: no Pod runs here) and gets a token for each service's ServiceAccount. */
export async function install(name: string, values: Obj): Promise<Release> {
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

/** The Pod name the services are given (POD_NAME) and run under. */
export const podNameOf = (r: Release, s: ServiceName) => `${deploymentOf(r, s).metadata.name}-0`;

/** A service container's environment as the kubelet gives it: Secrets read from the cluster, POD_NAME from the downward API. */
export async function containerEnv(r: Release, s: ServiceName): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const e of deploymentOf(r, s).spec.template.spec.containers[0].env as Obj[]) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref)
      env[e.name] = Buffer.from(
        (await kubeHttp(t, `/api/v1/namespaces/${r.name}/secrets/${ref.name}`)).body.data[ref.key],
        "base64",
      ).toString();
    else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[e.name] = podNameOf(r, s);
    else env[e.name] = e.value;
  }
  return env;
}

/**
 * The four services as OS processes, each with its Deployment's container environment (Secrets
 * read from the cluster, POD_NAME from the downward API) plus what differs outside a Pod: the
 * token's kubeconfig instead of the in-cluster account, and a local scratch directory.
 */
export async function startRelease(r: Release, extra: Record<string, string> = {}): Promise<void> {
  const logDir = mkdtempSync(join(tmpdir(), `kubedump-${r.name}-logs-`));
  for (const s of SERVICES) {
    const env = await containerEnv(r, s);
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

export const logOf = (r: Release, s: ServiceName) =>
  readFileSync(processes.find((p) => p.name === `${r.name}-${s}`)!.logFile, "utf8");
export const gatewayMetrics = async (r: Release) =>
  (await fetch(`http://127.0.0.1:${r.ports["metrics-gateway"]}/metrics`)).text();

/** Stops every service process startRelease started. */
export async function stopReleases(): Promise<void> {
  await Promise.all(processes.map((p) => stopService(p)));
}
