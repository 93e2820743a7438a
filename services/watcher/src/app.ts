import { createKubeClient, type KubeClient } from "@kubedump/kube";
import { createRedis } from "@kubedump/queue";
import { createLeadership, createRegistry, createServiceShell, type Logger } from "@kubedump/service";
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

export interface WatcherApp {
  start(): Promise<void>;
  close(): Promise<void>;
  isLeader(): boolean;
  readonly httpPort: number;
}

/**
 * One controller per kind (controllers/): informers → work queues → reconciles → status and BullMQ
 * jobs. Level-triggered: every event and every resync reconciles the object as it is now. Only the
 * leader runs the controllers, so of several replicas exactly one enqueues.
 */
export function createWatcherApp(deps: WatcherDeps): WatcherApp {
  const { config, log } = deps;
  const client = deps.client ?? createKubeClient({ kubeconfig: config.KUBECONFIG });
  const redis = createRedis(config.REDIS_URL);
  const queues = createQueueRegistry({ connection: redis, prefix: config.QUEUE_PREFIX });
  let manager: ControllerManager | undefined;

  const lead = async () => {
    const running = startControllers(
      { client, log, queues, probeRepository: deps.probeRepository },
      { namespace: config.WATCH_NAMESPACE, resyncMs: config.RESYNC_SECONDS * 1000 },
      CONTROLLERS,
    );
    manager = running;
    return async () => {
      await running.stop();
      if (manager === running) manager = undefined;
    };
  };
  const leadership = createLeadership({
    client,
    log,
    enabled: config.LEADER_ELECTION === "true",
    namespace: config.LEASE_NAMESPACE,
    name: config.LEASE_NAME,
    identity: config.identity,
    leaseDurationMs: config.LEASE_DURATION_SECONDS * 1000,
    lead,
  });
  const shell = createServiceShell({
    log,
    http: { host: config.HTTP_HOST, port: config.HTTP_PORT },
    redis,
    client,
    takesWork: [["leadership", () => leadership.stop()]],
    queues: [["queues", () => queues.close()]],
  });
  return {
    get httpPort() {
      return shell.httpPort;
    },
    async start() {
      const ready = () => redis.status === "ready" && (!leadership.isLeader() || manager?.hasSynced() === true);
      const port = await shell.listen({ registry: createRegistry("watcher"), ready });
      await leadership.start();
      log.info({ port, identity: config.identity }, "watcher started");
    },
    close: shell.close,
    isLeader: () => leadership.isLeader(),
  };
}
