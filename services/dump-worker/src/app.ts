import type { BackupConfiguration } from "@kubedump/api";
import { createKubeClient, type KubeClient } from "@kubedump/kube";
import { type BackupJob, createRedis, createWorker, QUEUES, type Worker } from "@kubedump/queue";
import type { Repository } from "@kubedump/repository";
import { createRegistry, createServiceShell, type Logger } from "@kubedump/service";
import { createBackupProcessor } from "./backup.js";
import type { BackupDeps } from "./backup-types.js";
import type { DumpWorkerConfig } from "./config.js";
import { repositoryOpener } from "./repositories.js";

export interface DumpWorkerDeps {
  config: DumpWorkerConfig;
  log: Logger;
  client?: KubeClient;
  /** Default: the Repository's backend with its Secret's data. */
  openRepository?: BackupDeps["openRepository"];
  applyRetention: (repository: Repository, config: BackupConfiguration, now: Date) => Promise<string[]>;
}

export interface DumpWorkerApp {
  start(): Promise<void>;
  close(): Promise<void>;
  /** The port of /healthz, /readyz and /metrics. */
  readonly httpPort: number;
}

/** A BullMQ worker on kubedump-backups: each job is one BackupSession. */
export function createDumpWorkerApp(deps: DumpWorkerDeps): DumpWorkerApp {
  const { config, log } = deps;
  const client =
    deps.client ?? createKubeClient({ kubeconfig: config.KUBECONFIG, qps: config.KUBE_QPS, burst: config.KUBE_BURST });
  const redis = createRedis(config.REDIS_URL);
  const registry = createRegistry("dump-worker");
  let worker: Worker<BackupJob> | undefined;
  const processBackup = createBackupProcessor({
    client,
    redis,
    log,
    openRepository: deps.openRepository ?? repositoryOpener(client),
    applyRetention: deps.applyRetention,
    lockPrefix: config.QUEUE_PREFIX,
    lockTtlMs: config.JOB_LOCK_SECONDS * 1000,
    scratchDir: config.SCRATCH_DIR,
    metrics: config.METRICS_GATEWAY_URL
      ? {
          gatewayUrl: config.METRICS_GATEWAY_URL,
          token: config.METRICS_GATEWAY_TOKEN,
          stashNames: config.STASH_METRIC_NAMES === "true",
        }
      : undefined,
  });
  const shell = createServiceShell({
    log,
    http: { host: config.HTTP_HOST, port: config.HTTP_PORT },
    redis,
    client,
    // Stop taking jobs and let the running ones finish (BullMQ waits for them).
    takesWork: [["worker", () => worker?.close()]],
  });
  return {
    get httpPort() {
      return shell.httpPort;
    },
    async start() {
      worker = createWorker<BackupJob, string>(
        QUEUES.backups,
        processBackup,
        { connection: redis, prefix: config.QUEUE_PREFIX },
        {
          concurrency: config.CONCURRENCY,
          lockDuration: config.JOB_LOCK_SECONDS * 1000,
          stalledInterval: config.JOB_LOCK_SECONDS * 1000,
          maxStalledCount: 2,
        },
      );
      // A job's failure is logged once, by the processor, with the session in the log fields.
      worker.on("error", (err) => log.error({ err }, "worker error"));
      const port = await shell.listen({ registry, ready: () => redis.status === "ready" });
      log.info({ concurrency: config.CONCURRENCY, port }, "dump worker started");
    },
    close: shell.close,
  };
}
