import { type Clock, createKubeClient, type KubeClient, systemClock } from "@kubedump/kube";
import type { CredentialProvider } from "@kubedump/repository";
import type { GapReason } from "@kubedump/repository/journal";
import { createLeaderElectedApp, createRegistry, type LeaderElectedApp, type Logger } from "@kubedump/service";
import type { RecorderConfig } from "./config.js";
import { journalTargetOpener, type JournalTargetOpener } from "./journal-target.js";
import { createRecorderMetrics } from "./metrics.js";
import { RecorderManager } from "./recorder-manager.js";

export interface RecorderDeps {
  config: RecorderConfig;
  log: Logger;
  client?: KubeClient;
  /** The process's AWS chain, for a Repository whose Secret holds no keys. */
  credentials?: CredentialProvider;
  openTarget?: JournalTargetOpener;
  clock?: Clock;
}

export type RecorderApp = LeaderElectedApp;

/**
 * The recorder: only the leader records (a standby waits on the Lease). Each time it starts
 * leading, every Continuous BackupConfiguration's journal is taken up again from its state now,
 * with a gap: "restart" for the first leadership of a process that found no other holder of the
 * Lease, "takeover" when it took the Lease from another replica (or leads again after losing it).
 */
export function createRecorderApp(deps: RecorderDeps): RecorderApp {
  const { config, log } = deps;
  const client = deps.client ?? createKubeClient({ kubeconfig: config.KUBECONFIG });
  const registry = createRegistry("recorder");
  let manager: RecorderManager | undefined;
  const metrics = createRecorderMetrics(registry, () => manager?.lags() ?? []);
  const openTarget = deps.openTarget ?? journalTargetOpener(client, deps.credentials);
  let holderAtStart: Promise<string> | undefined;
  let leads = 0;

  const lead = async () => {
    const holder = (await holderAtStart) ?? "";
    const reason: GapReason = leads++ === 0 && (holder === "" || holder === config.identity) ? "restart" : "takeover";
    const running = new RecorderManager({
      client,
      log,
      metrics,
      openTarget,
      clock: deps.clock ?? systemClock,
      identity: config.identity,
      namespace: config.WATCH_NAMESPACE,
      resyncMs: config.RESYNC_SECONDS * 1000,
      reason,
      settings: {
        discoveryMs: config.DISCOVERY_SECONDS * 1000,
        watchTimeoutSeconds: config.WATCH_TIMEOUT_SECONDS,
        flushEveryMs: config.FLUSH_EVERY_MS,
        flushEveryChanges: config.FLUSH_EVERY_CHANGES,
        indexCacheDir: config.INDEX_CACHE_DIR,
      },
    });
    manager = running;
    running.start();
    return async () => {
      await running.stop();
      if (manager === running) manager = undefined;
    };
  };
  const app = createLeaderElectedApp({
    name: "recorder",
    config,
    log,
    client,
    registry,
    lead,
    ready: () => manager?.hasSynced() === true,
  });
  return {
    ...app,
    get httpPort() {
      return app.httpPort;
    },
    async start() {
      holderAtStart = leaseHolder(client, config).catch(() => "");
      await app.start();
    },
  };
}

/** Who held the recorder's Lease when this process started ("" when nobody, or no election). */
async function leaseHolder(client: KubeClient, config: RecorderConfig): Promise<string> {
  if (config.LEADER_ELECTION !== "true") return "";
  const path = `/apis/coordination.k8s.io/v1/namespaces/${config.LEASE_NAMESPACE}/leases/${config.LEASE_NAME}`;
  const lease = await client.get<{ spec?: { holderIdentity?: string } }>(path);
  return lease.spec?.holderIdentity ?? "";
}
