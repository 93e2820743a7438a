import { rm } from "node:fs/promises";
import { createKubeClient, type KubeClient } from "@kubedump/kube";
import {
  type BackupJob,
  createRedis,
  createWorker,
  type Job,
  QUEUES,
  type RestoreJob,
  type VerifyJob,
  type Worker,
} from "@kubedump/queue";
import { createAwsCredentialChain } from "@kubedump/repository";
import { createRegistry, createServiceShell, type Logger } from "@kubedump/service";
import { createBackupProcessor } from "./backup.js";
import type { BackupDeps } from "./backup-types.js";
import type { DumpWorkerConfig } from "./config.js";
import type { Redis } from "ioredis";
import { repositoryOpener } from "./repositories.js";
import { DEFAULT_CONCURRENCY } from "@kubedump/restore";
import { createRestoreProcessor } from "./restore.js";
import { emptyScratchDir, scratchDirOf } from "./scratch.js";
import { createVerifyProcessor } from "./verify.js";

type Processor<T> = (job: Job<T>) => Promise<string>;

export interface DumpWorkerDeps {
  config: DumpWorkerConfig;
  log: Logger;
  client?: KubeClient;
  /** The RestoreSessions' client (default: one at RESTORE_KUBE_QPS/BURST). */
  restoreClient?: KubeClient;
  /** Default: the Repository's backend with its Secret's data. */
  openRepository?: BackupDeps["openRepository"];
  applyRetention: BackupDeps["applyRetention"];
}

export interface DumpWorkerApp {
  start(): Promise<void>;
  close(): Promise<void>;
  /** The port of /healthz, /readyz and /metrics. */
  readonly httpPort: number;
}

/**
 * How long a job keeps trying to push its metrics while the gateway cannot take them (the
 * gateway answers 503 while its Redis is down): a session that ends during a Redis outage of up
 * to this long still lands on the gateway.
 * @defaultValue 120_000
 */
export const METRICS_PUSH_RETRY_MS = 120_000;

/**
 * Verifications of one process that run at once, besides its backups: each reads a repository
 * through, so one at a time keeps a worker's backups fast; more replicas verify more repositories.
 * @defaultValue 1
 */
export const VERIFY_CONCURRENCY = 1;

/**
 * Restores of one process that run at once: a restore writes as fast as the API server takes it,
 * so two at once would only share that.
 * @defaultValue 1
 */
export const RESTORE_CONCURRENCY = 1;

/**
 * BullMQ workers on kubedump-restores (each job is one RestoreSession, RESTORE_CONCURRENCY at once), on
 * kubedump-backups (each job is one BackupSession, CONCURRENCY at once) and on
 * kubedump-verify (each job verifies one Repository, VERIFY_CONCURRENCY at once).
 */
export function createDumpWorkerApp(deps: DumpWorkerDeps): DumpWorkerApp {
  const { config, log } = deps;
  const client =
    deps.client ?? createKubeClient({ kubeconfig: config.KUBECONFIG, qps: config.KUBE_QPS, burst: config.KUBE_BURST });
  const redis = createRedis(config.redis);
  const registry = createRegistry("dump-worker");
  let workers: Worker[] = [];
  const scratchDir = scratchDirOf(config.SCRATCH_DIR, config.identity);
  const shared = {
    client,
    log,
    openRepository: deps.openRepository ?? repositoryOpener(client, createAwsCredentialChain({ env: config })),
    metrics: metricsOf(config),
  };
  const processBackup = createBackupProcessor({
    ...shared,
    redis,
    applyRetention: deps.applyRetention,
    lockPrefix: config.QUEUE_PREFIX,
    lockTtlMs: config.JOB_LOCK_SECONDS * 1000,
    scratchDir,
  });
  const processVerify = createVerifyProcessor(shared);
  // Restores write, DEFAULT_CONCURRENCY in flight, at their own rate; backups keep the reading one.
  const restoreClient =
    deps.restoreClient ??
    createKubeClient({
      kubeconfig: config.KUBECONFIG,
      qps: config.RESTORE_KUBE_QPS,
      burst: config.RESTORE_KUBE_BURST,
      maxSockets: DEFAULT_CONCURRENCY,
    });
  const processRestore = createRestoreProcessor({ ...shared, client: restoreClient });
  const shell = createServiceShell({
    log,
    http: { host: config.HTTP_HOST, port: config.HTTP_PORT },
    redis,
    client: {
      close() {
        client.close();
        restoreClient.close();
      },
    },
    // Stop taking jobs and let the running ones finish (BullMQ waits for them).
    takesWork: [
      ["workers", async () => void (await Promise.all(workers.map((w) => w.close())))],
      ["scratch directory", () => rm(scratchDir, { recursive: true, force: true })],
    ],
  });
  return {
    get httpPort() {
      return shell.httpPort;
    },
    async start() {
      await emptyScratchDir(scratchDir); // what this replica left when it was killed mid-backup
      workers = startWorkers(config, redis, log, {
        backup: processBackup,
        verify: processVerify,
        restore: processRestore,
      });
      const port = await shell.listen({ registry, ready: () => redis.status === "ready" });
      log.info({ concurrency: config.CONCURRENCY, port }, "dump worker started");
    },
    close: shell.close,
  };
}

/** Where the jobs push their metrics, when a gateway is configured. */
function metricsOf(config: DumpWorkerConfig): BackupDeps["metrics"] {
  if (!config.METRICS_GATEWAY_URL) return undefined;
  return {
    gatewayUrl: config.METRICS_GATEWAY_URL,
    token: config.METRICS_GATEWAY_TOKEN,
    stashNames: config.STASH_METRIC_NAMES === "true",
    retryForMs: METRICS_PUSH_RETRY_MS,
  };
}

/** The worker of each queue, with the same job locks (a killed worker's job is taken over after JOB_LOCK_SECONDS). */
function startWorkers(
  config: DumpWorkerConfig,
  redis: Redis,
  log: Logger,
  process: { backup: Processor<BackupJob>; verify: Processor<VerifyJob>; restore: Processor<RestoreJob> },
): Worker[] {
  const qdeps = { connection: redis, prefix: config.QUEUE_PREFIX };
  const locks = {
    lockDuration: config.JOB_LOCK_SECONDS * 1000,
    stalledInterval: config.JOB_LOCK_SECONDS * 1000,
    maxStalledCount: 2,
  };
  const workers: Worker[] = [
    createWorker(QUEUES.backups, process.backup, qdeps, { concurrency: config.CONCURRENCY, ...locks }),
    createWorker(QUEUES.verify, process.verify, qdeps, { concurrency: VERIFY_CONCURRENCY, ...locks }),
    createWorker(QUEUES.restores, process.restore, qdeps, { concurrency: RESTORE_CONCURRENCY, ...locks }),
  ];
  // A job's failure is logged once, by its processor, with the session or Repository in the log fields.
  for (const w of workers) w.on("error", (err) => log.error({ err }, "worker error"));
  return workers;
}
