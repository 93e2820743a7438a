import { createKubeClient, type KubeClient } from "@kubedump/kube";
import { createRedis } from "@kubedump/queue";
import { createLeaderElectedApp, type LeaderElectedApp, type Logger } from "@kubedump/service";
import type { WatcherConfig } from "./config.js";
import { CONTROLLERS } from "./controllers/index.js";
import { type ControllerManager, startControllers } from "./manager.js";
import type { RepositoryProbe } from "./probe.js";
import { createQueueRegistry } from "./queues.js";

export interface WatcherDeps {
  config: WatcherConfig;
  log: Logger;
  client?: KubeClient;
  probeRepository: RepositoryProbe;
}

export type WatcherApp = LeaderElectedApp;

/**
 * One controller per kind (controllers/): informers → work queues → reconciles → status and BullMQ
 * jobs. Level-triggered: every event and every resync reconciles the object as it is now. Only the
 * leader runs the controllers, so of several replicas exactly one enqueues.
 */
export function createWatcherApp(deps: WatcherDeps): WatcherApp {
  const { config, log } = deps;
  const client = deps.client ?? createKubeClient({ kubeconfig: config.KUBECONFIG });
  const redis = createRedis(config.redis);
  const queues = createQueueRegistry({ connection: redis, prefix: config.QUEUE_PREFIX });
  let manager: ControllerManager | undefined;

  const lead = async () => {
    const running = startControllers(
      { client, log, queues, probeRepository: deps.probeRepository, restoreHistoryLimit: config.RESTORE_HISTORY_LIMIT },
      { namespace: config.WATCH_NAMESPACE, resyncMs: config.RESYNC_SECONDS * 1000 },
      CONTROLLERS,
    );
    manager = running;
    return async () => {
      await running.stop();
      if (manager === running) manager = undefined;
    };
  };
  return createLeaderElectedApp({
    name: "watcher",
    config,
    log,
    client,
    redis,
    lead,
    queues: [["queues", () => queues.close()]],
    ready: () => manager?.hasSynced() === true,
  });
}
