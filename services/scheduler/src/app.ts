import { createKubeClient, type KubeClient } from "@kubedump/kube";
import {
  createQueue,
  createRedis,
  createWorker,
  QUEUES,
  type Queue,
  type ScheduleJob,
  type TickJob,
  type Worker,
} from "@kubedump/queue";
import { createLeaderElectedApp, type LeaderElectedApp, type Logger } from "@kubedump/service";
import type { SchedulerConfig } from "./config.js";
import { resyncSchedules, runTick, type ScheduleDeps, syncSchedule } from "./schedules.js";

export interface SchedulerApp extends LeaderElectedApp {
  /** Reconciles every configuration's job scheduler now (also runs on leading, on Redis reconnect, and every RESYNC_SECONDS). */
  resync(): Promise<void>;
}

/**
 * One BullMQ job scheduler per BackupConfiguration; each tick creates a BackupSession. Only the
 * leader runs the workers; every configuration is reconciled from the API server on start, so a
 * Redis that lost its data gets its schedules back.
 */
export function createSchedulerApp(deps: { config: SchedulerConfig; log: Logger; client?: KubeClient }): SchedulerApp {
  const { config, log } = deps;
  const client = deps.client ?? createKubeClient({ kubeconfig: config.KUBECONFIG });
  const redis = createRedis(config.REDIS_URL);
  const qdeps = { connection: redis, prefix: config.QUEUE_PREFIX };
  const ticks: Queue<TickJob> = createQueue<TickJob>(QUEUES.ticks, qdeps);
  const sdeps: ScheduleDeps = { client, ticks, log };
  const resync = () => resyncSchedules(sdeps, config.WATCH_NAMESPACE);
  const safeResync = () => resync().catch((err: unknown) => log.error({ err }, "resync failed"));

  const lead = async () => {
    const workers: Worker[] = [
      createWorker<ScheduleJob>(
        QUEUES.schedules,
        (job) => syncSchedule(sdeps, job.data.namespace, job.data.name),
        qdeps,
      ),
      createWorker<TickJob>(QUEUES.ticks, (job) => runTick(sdeps, job), qdeps),
    ];
    for (const w of workers) w.on("error", (err) => log.error({ err }, "worker error"));
    // A Redis that comes back may have lost the job schedulers: rebuild them from the API server.
    const onReady = () => void safeResync();
    redis.on("ready", onReady);
    const timer = setInterval(() => void safeResync(), config.RESYNC_SECONDS * 1000);
    await safeResync();
    return async () => {
      clearInterval(timer);
      redis.off("ready", onReady);
      await Promise.all(workers.map((w) => w.close()));
    };
  };
  const app = createLeaderElectedApp({
    name: "scheduler",
    config,
    log,
    client,
    redis,
    lead,
    queues: [["queue", () => ticks.close()]],
  });
  return {
    get httpPort() {
      return app.httpPort;
    },
    start: app.start,
    close: app.close,
    resync,
    isLeader: app.isLeader,
  };
}
