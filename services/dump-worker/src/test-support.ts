// Builders shared by this service's tests; excluded from the build (tsconfig.build.json).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeClient, loadConnection, type RequestOpts } from "@kubedump/kube";
import { parseTextFormat } from "@kubedump/metrics";
import { type BackupJob, createQueue, createRedis, type Queue, QUEUES } from "@kubedump/queue";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import type { SnapshotManifest } from "@kubedump/repository/snapshot";
import {
  createPki,
  freePort,
  kubeHttp,
  s3StoreOptions,
  startEtcd,
  startKubeApiServer,
  type TestEnvInfo,
} from "@kubedump/testenv";
import { pino } from "pino";
import {
  E2E_BUCKET,
  installCrds,
  type Obj,
  openTestRepository,
  startService,
  stopService,
  waitFor,
} from "../../../test/e2e/harness.js";
import { type TestNamespace, testNamespace } from "../../../test/e2e/test-namespace.js";
import { createDumpWorkerApp, type DumpWorkerDeps } from "./app.js";
import { applyRetention } from "./backup-retention.js";
import { loadConfig } from "./config.js";

/** The bucket of harness's setupRepository; each test has its own prefix in it. */
export const BUCKET = E2E_BUCKET;

/** The real API server, with each LIST of one resource `delayMs` late: a backup that is slow by construction. */
export class SlowListClient extends KubeClient {
  constructor(
    kubeconfig: string,
    private readonly delayMs: number,
    private readonly resource = "configmaps",
  ) {
    super(loadConnection({ kubeconfig }));
  }

  override async requestBody(method: string, path: string, opts: RequestOpts = {}): Promise<Buffer> {
    const isList = method === "GET" && opts.query?.limit !== undefined && path.endsWith(`/${this.resource}`);
    if (isList) await sleep(this.delayMs, undefined, { signal: opts.signal });
    return super.requestBody(method, path, opts);
  }
}

export interface LogLine {
  level: number;
  msg: string;
  session?: string;
  [key: string]: unknown;
}

export interface WorkerRig {
  queue: Queue<BackupJob>;
  /** Every line the worker logged, parsed. */
  logs: LogLine[];
  /** Adds a session's job as the watcher does: keyed by uid, attempts from retryConfig, exponential backoff. */
  enqueue(session: Obj, retry?: { maxRetry: number; delayMs: number }): Promise<void>;
  close(): Promise<void>;
}

/** The dump worker app (createDumpWorkerApp) on the test servers, with its own queue prefix and a log to read. */
export async function startWorkerRig(
  env: TestEnvInfo,
  opts: {
    queuePrefix: string;
    gatewayUrl: string;
    client?: KubeClient;
    openRepository?: DumpWorkerDeps["openRepository"];
    scratchDir?: string;
  },
): Promise<WorkerRig> {
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const config = loadConfig({
    KUBECONFIG: env.kubeconfig,
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: opts.queuePrefix,
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: "0",
    JOB_LOCK_SECONDS: "5",
    METRICS_GATEWAY_URL: opts.gatewayUrl,
    ...(opts.scratchDir ? { SCRATCH_DIR: opts.scratchDir } : {}),
  });
  const { client, openRepository } = opts;
  const app = createDumpWorkerApp({
    config,
    log: pino({ level: "info" }, sink),
    applyRetention,
    client,
    openRepository,
  });
  await app.start();
  const redis = createRedis(env.redisUrl);
  const queue = createQueue<BackupJob>(QUEUES.backups, { connection: redis, prefix: opts.queuePrefix });
  return {
    queue,
    logs,
    enqueue: async (session, retry = { maxRetry: 0, delayMs: 1000 }) => {
      const { namespace, name, uid } = session.metadata;
      await queue.add(
        "backup",
        { namespace, name, uid },
        { jobId: uid, attempts: retry.maxRetry + 1, backoff: { type: "exponential", delay: retry.delayMs } },
      );
    },
    close: async () => {
      await app.close();
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      redis.disconnect();
    },
  };
}

/** The log lines about a job's failure for one session: its level names, in order. */
export function failureLogs(logs: readonly LogLine[], session: string): string[] {
  return logs
    .filter((l) => l.session === session && l.level >= 40 && /^backup (attempt \d+ )?failed/.test(l.msg))
    .map((l) => (l.level >= 50 ? "error" : "warn"));
}

/** The real metrics gateway, as its own process (`services/metrics-gateway/dist/main.js`). */
export async function startGateway(env: TestEnvInfo, prefix: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const logDir = mkdtempSync(join(tmpdir(), "kubedump-dw-gateway-"));
  const gateway = startService(
    "metrics-gateway",
    {
      REDIS_URL: env.redisUrl,
      HOST: "127.0.0.1",
      PORT: String(port),
      QUEUE_PREFIX: prefix,
      GATEWAY_KEY_PREFIX: `${prefix}:gateway`,
      LOG_LEVEL: "warn",
    },
    logDir,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor("the metrics gateway to answer", async () => ((await fetch(`${url}/metrics`)).ok ? true : undefined));
  return { url, stop: async () => void (await stopService(gateway)) };
}

/** The backup metrics the gateway serves for one BackupConfiguration: name → value. */
export async function backupMetrics(
  gatewayUrl: string,
  namespace: string,
  config: string,
): Promise<Record<string, number>> {
  const res = await fetch(`${gatewayUrl}/metrics`);
  const out: Record<string, number> = {};
  for (const family of parseTextFormat(await res.text())) {
    for (const s of family.samples) {
      if (s.labels.namespace === namespace && s.labels.invoker_name === config) out[s.name] = s.value;
    }
  }
  return out;
}

/** Points Repository `repo` of `namespace` at a port where nothing listens. */
export async function makeRepositoryUnreachable(env: TestEnvInfo, namespace: string): Promise<void> {
  const endpoint = `http://127.0.0.1:${await freePort()}`;
  await testNamespace(env, namespace).patch("repositories", "repo", { spec: { backend: { s3: { endpoint } } } });
}

/** Keys below `<prefix>/snapshots/` in the test bucket: committed and unfinished snapshots alike. */
export async function snapshotKeys(env: TestEnvInfo, prefix: string): Promise<string[]> {
  const store = createS3ObjectStore(s3StoreOptions(env, BUCKET, prefix));
  const keys: string[] = [];
  for await (const entry of store.list("snapshots/")) keys.push(entry.key);
  return keys;
}

/** An empty format-2 repository (its repository.json) at `prefix` in the test bucket: backups into it write format 2. */
export async function createFormat2Repository(env: TestEnvInfo, prefix: string): Promise<void> {
  const config = { formatVersion: 2, created: new Date().toISOString(), encryption: null };
  await createS3ObjectStore(s3StoreOptions(env, BUCKET, prefix)).put(
    "repository.json",
    Buffer.from(JSON.stringify(config)),
  );
}

/** A committed snapshot of the repository at `prefix` in the test bucket. */
export async function committedSnapshot(env: TestEnvInfo, prefix: string, id: string): Promise<SnapshotManifest> {
  return (await openTestRepository(env, prefix)).getSnapshot(id);
}

/**
 * The test's namespace with ConfigMap `cm`, Repository `repo` and BackupConfiguration `c` of that
 * ConfigMap (or of the whole namespace), never scheduled (`spec` adds to or overrides its spec).
 */
export async function arrangeBackup(space: TestNamespace, opts: { wholeNamespace?: boolean; spec?: Obj } = {}) {
  await space.setup();
  await kubeHttp(space.t, `/api/v1/namespaces/${space.ns}/configmaps`, {
    body: { metadata: { name: "cm" }, data: { a: "1" } },
  });
  const ref = opts.wholeNamespace
    ? { apiVersion: "v1", kind: "Namespace", name: space.ns }
    : { apiVersion: "v1", kind: "ConfigMap", name: "cm", namespace: space.ns };
  await space.createConfig("c", { schedule: "0 0 1 1 *", target: { ref }, ...opts.spec });
}

/** The backup metrics of a BackupConfiguration on the gateway, once kubedump_backup_session_success is `success`. */
export function waitForBackupMetrics(
  gatewayUrl: string,
  namespace: string,
  config: string,
  success: 0 | 1,
): Promise<Record<string, number>> {
  return waitFor(
    `kubedump_backup_session_success ${success} of ${namespace}/${config} on the gateway`,
    async () => {
      const m = await backupMetrics(gatewayUrl, namespace, config);
      return m.kubedump_backup_session_success === success ? m : undefined;
    },
    20_000,
    200,
  );
}

/**
 * A kube-apiserver and etcd of the caller's own, with kubedump's CRDs, sharing the test Redis and
 * MinIO: for what would disturb other tests on the shared server (a broken APIService degrades
 * discovery for every client).
 */
export async function startPrivateCluster(env: TestEnvInfo): Promise<{ env: TestEnvInfo; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "kubedump-dw-cluster-"));
  const etcd = await startEtcd(dir);
  const api = await startKubeApiServer(dir, createPki(dir), etcd.url);
  const own: TestEnvInfo = {
    ...env,
    kubeconfig: api.kubeconfigPath,
    kubeApiUrl: api.url,
    etcdUrl: etcd.url,
    caPem: api.caPem,
    adminCertPem: api.admin.certPem,
    adminKeyPem: api.admin.keyPem,
  };
  await installCrds(own);
  return {
    env: own,
    stop: async () => {
      await api.process.stop();
      await etcd.process.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
