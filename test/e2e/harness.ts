import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openRepositoryFromBackend, type Repository } from "@kubedump/repository";
import { freePort, kubeHttp, runLogDir, s3RepositoryBackend, type TestEnvInfo } from "@kubedump/testenv";
import type { TestNamespace } from "./test-namespace.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export type ServiceName = "watcher" | "scheduler" | "dump-worker" | "metrics-gateway" | "recorder";

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

/** Starts `node services/<name>/dist/main.js` as its own OS process; output goes to a log file. */
export function startService(
  name: ServiceName,
  env: Record<string, string>,
  logDir: string,
  label: string = name,
): ServiceProcess {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${label}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(process.execPath, [join(ROOT, "services", name, "dist", "main.js")], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env },
    stdio: ["ignore", fd, fd],
  });
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return { name: label, child, logFile, exited };
}

export async function stopService(p: ServiceProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  return p.exited;
}

export interface Stack {
  gatewayUrl: string;
  processes: ServiceProcess[];
  start(name: ServiceName, label?: string, extra?: Record<string, string>): ServiceProcess;
  stop(): Promise<void>;
}

/**
 * The four services on the test servers, watching the test's namespace alone; its name is their
 * queue prefix and part of their Lease names. Logs go to a new directory below the run's log directory.
 */
export async function startStack(
  space: TestNamespace,
  opts: {
    workers?: number;
    redisUrl?: string;
    extraEnv?: Record<string, string>;
    /** Leader-elected services the test starts itself (with `start`), e.g. through a proxy. */
    skip?: ("watcher" | "scheduler")[];
  } = {},
): Promise<Stack> {
  const { t, ns: prefix } = space;
  // Every log of the run in one directory, which the run's end scans for Secret values.
  mkdirSync(runLogDir(t), { recursive: true });
  const logDir = mkdtempSync(join(runLogDir(t), `${prefix}-`));
  const gatewayPort = await freePort();
  const leaseNs = "kubedump-system";
  await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: leaseNs } } });
  const env: Record<string, string> = {
    KUBECONFIG: t.kubeconfig,
    REDIS_URL: opts.redisUrl ?? t.redisUrl,
    QUEUE_PREFIX: prefix,
    WATCH_NAMESPACE: space.ns,
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: "0",
    LEASE_NAMESPACE: leaseNs,
    LEASE_DURATION_SECONDS: "4",
    RESYNC_SECONDS: "5",
    JOB_LOCK_SECONDS: "5",
    LOG_LEVEL: "info",
    METRICS_GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
    GATEWAY_KEY_PREFIX: `${prefix}:gateway`,
    ...opts.extraEnv,
  };
  const processes: ServiceProcess[] = [];
  const start = (name: ServiceName, label: string = name, extra: Record<string, string> = {}) => {
    const leaseName: Record<string, string> =
      name === "watcher" || name === "scheduler" ? { LEASE_NAME: `${prefix}-${name}` } : {};
    const port: Record<string, string> = name === "metrics-gateway" ? { HTTP_PORT: String(gatewayPort) } : {};
    const p = startService(
      name,
      { ...env, ...leaseName, ...port, POD_NAME: `${prefix}-${label}`, ...extra },
      logDir,
      label,
    );
    processes.push(p);
    return p;
  };
  start("metrics-gateway");
  if (!opts.skip?.includes("watcher")) start("watcher");
  if (!opts.skip?.includes("scheduler")) start("scheduler");
  for (let i = 0; i < (opts.workers ?? 1); i++) start("dump-worker", `dump-worker-${i}`);
  return {
    gatewayUrl: env.METRICS_GATEWAY_URL!,
    processes,
    start,
    stop: async () => {
      await Promise.all(processes.map((p) => stopService(p)));
    },
  };
}

/** Polls `fn` until it returns a value other than undefined, or fails naming what it waited for. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 120_000,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`,
  );
}

const CRD_DIR = join(ROOT, "deploy", "crds");

/** Per API server (its kubeconfig): the CRDs are installed once per test file. */
const crdsInstalled = new Map<string, Promise<void>>();

/** Installs kubedump's CRDs (idempotent, once per API server and test file) and waits until they are served. */
export function installCrds(t: TestEnvInfo): Promise<void> {
  let installed = crdsInstalled.get(t.kubeconfig);
  if (!installed) {
    installed = applyCrds(t);
    installed.catch(() => crdsInstalled.delete(t.kubeconfig));
    crdsInstalled.set(t.kubeconfig, installed);
  }
  return installed;
}

async function applyCrds(t: TestEnvInfo): Promise<void> {
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  await promisify(execFile)(t.kubectl, ["apply", "--server-side", "--force-conflicts", "-f", CRD_DIR], {
    env: { ...process.env, KUBECONFIG: t.kubeconfig },
  });
  await waitFor(
    "kubedump CRDs served",
    async () => {
      const served = await Promise.all(
        ["backupsessions", "restoresessions"].map(async (p) => (await kubeHttp(t, `${API}/${p}`)).status === 200),
      );
      return served.every(Boolean) ? true : undefined;
    },
    30_000,
    200,
  );
}

export const API = "/apis/kubedump.io/v1alpha1";
export const crUrl = (plural: string, ns: string, name?: string) =>
  `${API}/namespaces/${ns}/${plural}${name ? `/${name}` : ""}`;

/** The bucket of the tests' Repositories; each test has its own prefix in it. */
export const E2E_BUCKET = "kubedump-e2e";

/** The repository of a Repository that setupRepository made with this prefix, opened as the dump worker opens it. */
export const openTestRepository = (t: TestEnvInfo, prefix: string): Promise<Repository> =>
  openRepositoryFromBackend(s3RepositoryBackend(t, E2E_BUCKET, prefix));

/** A namespace with a MinIO-backed Repository `repo` and its Secret. */
export async function setupRepository(
  t: TestEnvInfo,
  ns: string,
  opts: { prefix: string; password?: string; format?: 1 | 2 },
): Promise<void> {
  const { backend, secret } = s3RepositoryBackend(t, E2E_BUCKET, opts.prefix);
  await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: ns } } });
  await kubeHttp(t, `/api/v1/namespaces/${ns}/secrets`, {
    body: {
      metadata: { name: "s3-secret" },
      stringData: { ...secret, ...(opts.password ? { ENCRYPTION_PASSWORD: opts.password } : {}) },
    },
  });
  const res = await kubeHttp(t, crUrl("repositories", ns), {
    body: {
      apiVersion: "kubedump.io/v1alpha1",
      kind: "Repository",
      metadata: { name: "repo" },
      spec: { backend, storageSecretName: "s3-secret", ...(opts.format ? { format: opts.format } : {}) },
    },
  });
  if (res.status !== 201 && res.status !== 409)
    throw new Error(`creating Repository ${ns}/repo: ${res.status} ${res.text}`);
}

// biome-ignore lint/suspicious/noExplicitAny: raw custom objects
export type Obj = Record<string, any>;

export async function createConfig(t: TestEnvInfo, ns: string, name: string, spec: Obj): Promise<Obj> {
  const res = await kubeHttp(t, crUrl("backupconfigurations", ns), {
    body: {
      apiVersion: "kubedump.io/v1alpha1",
      kind: "BackupConfiguration",
      metadata: { name },
      spec: { repository: { name: "repo" }, ...spec },
    },
  });
  if (res.status !== 201) throw new Error(`creating BackupConfiguration ${ns}/${name}: ${res.status} ${res.text}`);
  return res.body;
}

export async function createSession(t: TestEnvInfo, ns: string, name: string, config: string): Promise<Obj> {
  const res = await kubeHttp(t, crUrl("backupsessions", ns), {
    body: {
      apiVersion: "kubedump.io/v1alpha1",
      kind: "BackupSession",
      metadata: { name, labels: { "kubedump.io/backup-configuration": config } },
      spec: { invoker: { apiGroup: "kubedump.io", kind: "BackupConfiguration", name: config } },
    },
  });
  if (res.status !== 201) throw new Error(`creating BackupSession ${ns}/${name}: ${res.status} ${res.text}`);
  return res.body;
}

export async function getObj(t: TestEnvInfo, path: string): Promise<Obj | undefined> {
  const res = await kubeHttp(t, path);
  return res.status === 200 ? res.body : undefined;
}

export const FINISHED = ["Succeeded", "PartiallySucceeded", "Failed", "Skipped"];

/** Waits until a session is finished and returns it. */
export function waitForSession(t: TestEnvInfo, ns: string, name: string, timeoutMs = 120_000): Promise<Obj> {
  return waitFor(
    `BackupSession ${ns}/${name} to finish`,
    async () => {
      const s = await getObj(t, crUrl("backupsessions", ns, name));
      return s && FINISHED.includes(s.status?.phase) ? s : undefined;
    },
    timeoutMs,
  );
}

/** Creates RestoreSession `name` of Repository `repo` in `ns`, with `spec` besides the repository. */
export async function createRestoreSession(t: TestEnvInfo, ns: string, name: string, spec: Obj = {}): Promise<Obj> {
  const res = await kubeHttp(t, crUrl("restoresessions", ns), {
    body: {
      apiVersion: "kubedump.io/v1alpha1",
      kind: "RestoreSession",
      metadata: { name },
      spec: { repository: { name: "repo" }, ...spec },
    },
  });
  if (res.status !== 201) throw new Error(`creating RestoreSession ${ns}/${name}: ${res.status} ${res.text}`);
  return res.body;
}

/** Waits until a RestoreSession is finished and returns it. */
export function waitForRestoreSession(t: TestEnvInfo, ns: string, name: string, timeoutMs = 120_000): Promise<Obj> {
  return waitFor(
    `RestoreSession ${ns}/${name} to finish`,
    async () => {
      const s = await getObj(t, crUrl("restoresessions", ns, name));
      return ["Succeeded", "PartiallySucceeded", "Failed"].includes(s?.status?.phase) ? s : undefined;
    },
    timeoutMs,
  );
}

/** Sessions a configuration has, by name. */
export async function sessionsOf(t: TestEnvInfo, ns: string, config: string): Promise<Obj[]> {
  const res = await kubeHttp(
    t,
    `${crUrl("backupsessions", ns)}?labelSelector=${encodeURIComponent(`kubedump.io/backup-configuration=${config}`)}`,
  );
  return (res.body.items as Obj[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}
