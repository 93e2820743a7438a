import { createKubeClient, type KubeClient } from "@kubedump/kube";
import {
  createQueue,
  createRedis,
  createWorker,
  type Job,
  QUEUES,
  type Queue,
  SCHEDULE_JOBS,
  type ScheduleJob,
  type TickJob,
  type VerifyJob,
  type Worker,
} from "@kubedump/queue";
import { createLeaderElectedApp, type LeaderElectedApp, type Logger } from "@kubedump/service";
import type { SchedulerConfig } from "./config.js";
import { resyncSchedules, runTick, type ScheduleDeps, syncSchedule } from "./schedules.js";
import { resyncVerifySchedules, syncVerifySchedule, type VerifyScheduleDeps } from "./verify-schedules.js";

export interface SchedulerApp extends LeaderElectedApp {
  /**
   * Reconciles every configuration's and every Repository's job scheduler now (also runs on
   * leading, on Redis reconnect, and every RESYNC_SECONDS).
   */
  resync(): Promise<void>;
}

/**
 * One BullMQ job scheduler per BackupConfiguration, whose ticks create BackupSessions, and one per
 * Repository with spec.verify, whose jobs the dump workers run. Only the leader runs the workers;
 * every object is reconciled from the API server on start, so a Redis that lost its data gets its
 * schedules back.
 */
export function createSchedulerApp(deps: { config: SchedulerConfig; log: Logger; client?: KubeClient }): SchedulerApp {
  const { config, log } = deps;
  const client = deps.client ?? createKubeClient({ kubeconfig: config.KUBECONFIG });
  const redis = createRedis(config.redis);
  const qdeps = { connection: redis, prefix: config.QUEUE_PREFIX };
  const ticks: Queue<TickJob> = createQueue<TickJob>(QUEUES.ticks, qdeps);
  const verify: Queue<VerifyJob> = createQueue<VerifyJob>(QUEUES.verify, qdeps);
  const sdeps: ScheduleDeps = { client, ticks, log };
  const vdeps: VerifyScheduleDeps = { client, verify, log };
  const resync = async () => {
    await resyncSchedules(sdeps, config.WATCH_NAMESPACE);
    await resyncVerifySchedules(vdeps, config.WATCH_NAMESPACE);
  };
  // The watcher names the kind of object that changed by the job's name.
  const sync = ({ name, data }: Job<ScheduleJob>) =>
    name === SCHEDULE_JOBS.verify
      ? syncVerifySchedule(vdeps, data.namespace, data.name)
      : syncSchedule(sdeps, data.namespace, data.name);
  const safeResync = () => resync().catch((err: unknown) => log.error({ err }, "resync failed"));

  const lead = async () => {
    const workers: Worker[] = [
      createWorker<ScheduleJob>(QUEUES.schedules, sync, qdeps),
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
    queues: [
      ["ticks queue", () => ticks.close()],
      ["verify queue", () => verify.close()],
    ],
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
