import { resourceTypeOf, type validateRepository } from "@kubedump/api";
import { createInformer, createKubeClient, type Informer, type KubeClient, type KubeObject } from "@kubedump/kube";
import { type BackupJob, createQueue, createRedis, QUEUES, type Queue, type ScheduleJob } from "@kubedump/queue";
import { createLeadership, createRegistry, createServiceShell, type Logger } from "@kubedump/service";
import type { WatcherConfig } from "./config.js";
import {
  enqueueSchedule,
  type ReconcileDeps,
  reconcileConfiguration,
  reconcileRepository,
  reconcileSession,
} from "./reconcile.js";

export interface WatcherDeps {
  config: WatcherConfig;
  log: Logger;
  client?: KubeClient;
  probeRepository(
    repo: ReturnType<typeof validateRepository> & { ok: true },
    secret: Record<string, string>,
  ): Promise<void>;
}

export interface WatcherApp {
  start(): Promise<void>;
  close(): Promise<void>;
  isLeader(): boolean;
  readonly httpPort: number;
}

/**
 * Informers on Repository, BackupConfiguration and BackupSession → status and BullMQ jobs.
 * Level-triggered: every event and every resync reconciles the object as it is now. Only the
 * leader runs the informers, so of several replicas exactly one enqueues.
 */
export function createWatcherApp(deps: WatcherDeps): WatcherApp {
  const { config, log } = deps;
  const client = deps.client ?? createKubeClient({ kubeconfig: config.KUBECONFIG });
  const redis = createRedis(config.REDIS_URL);
  const qdeps = { connection: redis, prefix: config.QUEUE_PREFIX };
  const schedules: Queue<ScheduleJob> = createQueue(QUEUES.schedules, qdeps);
  const backups: Queue<BackupJob> = createQueue(QUEUES.backups, qdeps);
  const rdeps: ReconcileDeps = { client, schedules, backups, log, probeRepository: deps.probeRepository };
  let informers: Informer[] = [];

  const guard = (what: string, fn: (o: KubeObject) => Promise<void>) => async (o: KubeObject) => {
    try {
      await fn(o);
    } catch (err) {
      log.error({ err, namespace: o.metadata.namespace, name: o.metadata.name }, `reconciling ${what} failed`);
    }
  };
  const watch = (
    kind: "Repository" | "BackupConfiguration" | "BackupSession",
    reconcile: (o: KubeObject) => Promise<void>,
    onDelete?: (o: KubeObject) => Promise<void>,
  ) => {
    const handle = guard(kind, reconcile);
    return createInformer({
      client,
      rt: resourceTypeOf(kind),
      namespace: config.WATCH_NAMESPACE,
      resyncMs: config.RESYNC_SECONDS * 1000,
      // A change of status or metadata alone (often our own write) is no reason to act: reacting to
      // it would feed back into itself. Spec changes bump the generation; resyncs catch the rest.
      onAdd: handle,
      onUpdate: (old, obj) => (old.metadata.generation === obj.metadata.generation ? undefined : handle(obj)),
      onDelete: onDelete ? guard(kind, onDelete) : undefined,
      onResync: async (all) => {
        for (const o of all) await handle(o);
      },
      onError: (err) => log.warn({ kind, err: err.message }, "informer restarting"),
    });
  };
  const lead = async () => {
    informers = [
      watch("Repository", (o) => reconcileRepository(rdeps, o)),
      watch(
        "BackupConfiguration",
        (o) => reconcileConfiguration(rdeps, o),
        (o) => enqueueSchedule(rdeps, o.metadata.namespace ?? "default", o.metadata.name),
      ),
      watch("BackupSession", (o) => reconcileSession(rdeps, o)),
    ];
    for (const i of informers) i.start();
    return async () => {
      await Promise.all(informers.map((i) => i.stop()));
      informers = [];
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
    queues: [["queues", async () => void (await Promise.all([schedules.close(), backups.close()]))]],
  });
  return {
    get httpPort() {
      return shell.httpPort;
    },
    async start() {
      const ready = () => redis.status === "ready" && (!leadership.isLeader() || informers.every((i) => i.hasSynced()));
      const port = await shell.listen({ registry: createRegistry("watcher"), ready });
      await leadership.start();
      log.info({ port, identity: config.identity }, "watcher started");
    },
    close: shell.close,
    isLeader: () => leadership.isLeader(),
  };
}
