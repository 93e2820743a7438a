import type { Registry } from "prom-client";
import { createRegistry } from "./http.js";
import { createLeadership, type LeadershipOptions } from "./leadership.js";
import type { Step } from "./lifecycle.js";
import type { Logger } from "./logger.js";
import { createServiceShell } from "./shell.js";

/** The settings a leader-elected service reads (COMMON_ENV, LEADER_ENV, its HTTP_PORT and LEASE_NAME). */
export interface LeaderElectedConfig {
  HTTP_HOST: string;
  HTTP_PORT: number;
  LEADER_ELECTION: "true" | "false";
  LEASE_NAMESPACE: string;
  LEASE_NAME: string;
  LEASE_DURATION_SECONDS: number;
  /** This replica's name in the Lease and the logs (see identityOf). */
  identity: string;
}

export interface LeaderElectedAppOptions {
  /** The service's name: its registry's `service` label and its log lines. */
  name: string;
  config: LeaderElectedConfig;
  log: Logger;
  client: LeadershipOptions["client"];
  /** Absent for a service without Redis (the recorder). */
  redis?: { readonly status: string; disconnect(): void };
  /** Default: createRegistry(name). */
  registry?: Registry;
  /** Starts what only the leader does (informers, workers); returns how to stop it. */
  lead: LeadershipOptions["lead"];
  /** Closed after the HTTP server, before Redis. */
  queues?: Step[];
  /** What else the leader needs before it is ready (informers synced); a follower needs only Redis. */
  ready?: () => boolean | Promise<boolean>;
}

export interface LeaderElectedApp {
  /** Listens (`/healthz`, `/readyz`, `/metrics`), then campaigns for the Lease (or leads at once without election). */
  start(): Promise<void>;
  /** Gives up leadership (stopping the leader's work), then closes the shell; safe to call twice. */
  close(): Promise<void>;
  isLeader(): boolean;
  /** The HTTP server's port once it listens (0 before). */
  readonly httpPort: number;
}

/**
 * What the watcher and the scheduler share: a Lease named by LEASE_NAME that only one replica
 * holds, the leader's work started and stopped with it, and the service shell around both.
 */
export function createLeaderElectedApp(opts: LeaderElectedAppOptions): LeaderElectedApp {
  const { config, log, client, redis } = opts;
  const leadership = createLeadership({
    client,
    log,
    enabled: config.LEADER_ELECTION === "true",
    namespace: config.LEASE_NAMESPACE,
    name: config.LEASE_NAME,
    identity: config.identity,
    leaseDurationMs: config.LEASE_DURATION_SECONDS * 1000,
    lead: opts.lead,
  });
  const shell = createServiceShell({
    log,
    http: { host: config.HTTP_HOST, port: config.HTTP_PORT },
    redis,
    client,
    takesWork: [["leadership", () => leadership.stop()]],
    queues: opts.queues,
  });
  const ready = async () =>
    (redis === undefined || redis.status === "ready") && (!leadership.isLeader() || ((await opts.ready?.()) ?? true));
  return {
    get httpPort() {
      return shell.httpPort;
    },
    async start() {
      const port = await shell.listen({ registry: opts.registry ?? createRegistry(opts.name), ready });
      await leadership.start();
      log.info({ port, identity: config.identity }, `${opts.name} started`);
    },
    close: shell.close,
    isLeader: () => leadership.isLeader(),
  };
}
