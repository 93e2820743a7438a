import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ExtraCluster,
  kubeconfig,
  kubeHttp,
  startExtraCluster,
  startToxiproxy,
  type TestEnvInfo,
  type Toxiproxy,
} from "@kubedump/testenv";
import { type ServiceProcess, type Stack, startStack, stopService } from "./harness.js";
import { type TestNamespace, testNamespace } from "./test-namespace.js";

// The fault tests' servers: a private cluster (its LISTs, its restarts and its large fixtures
// disturb no other test), Toxiproxy in front of MinIO (every worker's way to the repository) and
// of the API server (the way of a worker started with `slowApi`), and the four services.

/** How long a dead worker's jobs and configuration locks stay locked: a takeover comes within seconds. */
export const LOCK_SECONDS = "3";

export interface FaultBench {
  /** The private cluster with the shared MinIO and Redis, as the test itself reaches them (no proxy). */
  t: TestEnvInfo;
  cluster: ExtraCluster;
  /** The test's namespace; its Repository `repo` reaches MinIO through the `minio` proxy. */
  e2e: TestNamespace;
  toxiproxy: Toxiproxy;
  proxies: { minio: string; api: string };
  stack: Stack;
  /**
   * A dump worker named `label` with its own scratch root; started again with the same label, it
   * is the same replica restarted (same POD_NAME, same scratch). `slowApi`: through the API proxy.
   */
  worker(label: string, opts?: { slowApi?: boolean; env?: Record<string, string> }): Worker;
  stop(): Promise<void>;
}

export interface Worker {
  process: ServiceProcess;
  /** SCRATCH_DIR of the replica. */
  scratchRoot: string;
}

const hostPort = (url: string) => new URL(url).host;

/** The private cluster as TestEnvInfo: the shared MinIO, Redis and tools, its own API server. */
function clusterEnv(shared: TestEnvInfo, cluster: ExtraCluster): TestEnvInfo {
  const { kubeconfig, kubeApiUrl, caPem, adminCertPem, adminKeyPem } = cluster;
  return { ...shared, kubeconfig, kubeApiUrl, caPem, adminCertPem, adminKeyPem };
}

/**
 * `format`: of the Repository (default 1: the kill tests tell a backup's steps by the parts it
 * spools to its scratch directory and uploads, which format 2 does not have).
 */
export async function startFaultBench(shared: TestEnvInfo, ns: string, format: 1 | 2 = 1): Promise<FaultBench> {
  const dir = mkdtempSync(join(tmpdir(), `kubedump-${ns}-`));
  const cluster = await startExtraCluster();
  const t = clusterEnv(shared, cluster);
  const toxiproxy = await startToxiproxy(dir);
  const minio = await toxiproxy.client.createProxy("minio", hostPort(shared.s3Endpoint));
  const api = await toxiproxy.client.createProxy("apiserver", hostPort(cluster.kubeApiUrl));
  const slowKubeconfig = join(dir, "kubeconfig-slow");
  writeFileSync(slowKubeconfig, kubeconfig(`https://${api.listen}`, t.caPem, t.adminCertPem, t.adminKeyPem));
  const e2e = testNamespace({ ...t, s3Endpoint: `http://${minio.listen}` }, ns);
  await e2e.setup({ format });
  const stack = await startStack(e2e, { workers: 0, extraEnv: { JOB_LOCK_SECONDS: LOCK_SECONDS } });
  const scratchRoots = new Map<string, string>();
  return {
    t,
    cluster,
    e2e,
    toxiproxy,
    proxies: { minio: minio.name, api: api.name },
    stack,
    worker(label, opts = {}) {
      const scratchRoot = scratchRoots.get(label) ?? mkdtempSync(join(dir, `scratch-${label}-`));
      scratchRoots.set(label, scratchRoot);
      const env = { SCRATCH_DIR: scratchRoot, ...(opts.slowApi ? { KUBECONFIG: slowKubeconfig } : {}), ...opts.env };
      return { process: stack.start("dump-worker", label, env), scratchRoot };
    },
    async stop() {
      await stack?.stop();
      await toxiproxy.process.stop();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** ConfigMaps `<name>-<i>` labelled `set=<name>`, each holding `bytes` bytes of `fill` (or random base64). */
export async function makeConfigMaps(
  space: TestNamespace,
  name: string,
  count: number,
  bytes: number,
  fill?: string,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const data = fill ? fill.repeat(bytes) : randomText(bytes);
    const res = await kubeHttp(space.t, `/api/v1/namespaces/${space.ns}/configmaps`, {
      body: { metadata: { name: `${name}-${i}`, labels: { set: name } }, data: { data } },
    });
    if (res.status !== 201) throw new Error(`creating ConfigMap ${name}-${i}: ${res.status} ${res.text}`);
  }
}

function randomText(bytes: number): string {
  return randomBytes(Math.ceil((bytes * 3) / 4))
    .toString("base64")
    .slice(0, bytes);
}

/** A never-scheduled BackupConfiguration of the ConfigMaps of set `set` (`extra` adds params or spec). */
export function configOfSet(
  space: TestNamespace,
  name: string,
  set: string,
  extra: { params?: { name: string; value: string }[]; spec?: Record<string, unknown> } = {},
) {
  return space.createConfig(name, {
    schedule: "0 0 1 1 *",
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: space.ns } },
    task: {
      name: "kubedump-backup",
      params: [
        { name: "includeResources", value: "configmaps" },
        { name: "labelSelector", value: `set=${set}` },
        ...(extra.params ?? []),
      ],
    },
    ...extra.spec,
  });
}

/**
 * Polls `ready` and SIGKILLs the worker the moment it holds; fails if the worker exits first or
 * `ready` never holds. Returns what `ready` returned.
 */
export async function killWhen<T>(
  worker: ServiceProcess,
  what: string,
  ready: () => Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (worker.child.exitCode !== null) throw new Error(`${worker.name} exited before ${what}`);
    const got = await ready().catch(() => undefined);
    if (got !== undefined) {
      await stopService(worker, "SIGKILL");
      return got;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
