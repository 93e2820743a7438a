import type { Registry } from "prom-client";
import { type HealthServer, startHealthServer } from "./http.js";
import { closeAll } from "./lifecycle.js";
import type { Logger } from "./logger.js";

type Step = [string, () => Promise<void> | void];

export interface ServiceShellOptions {
  log: Logger;
  http: { host: string; port: number };
  /** Closed first, before the health server: what takes work (leadership, a BullMQ worker). */
  takesWork: Step[];
  /** Closed after the health server, before Redis: the queues. */
  queues?: Step[];
  redis: { disconnect(): void };
  client: { close(): void };
}

/** What the watcher, scheduler and dump worker share: their health server, and one order of closing. */
export interface ServiceShell {
  /** The health server's port once it listens (0 before). */
  readonly httpPort: number;
  /** Starts the health and metrics server; resolves with its port. */
  listen(opts: { registry: Registry; ready: () => Promise<boolean> | boolean }): Promise<number>;
  /** Stops taking work, then closes the health server, the queues, Redis and the API client; safe to call twice. */
  close(): Promise<void>;
}

export function createServiceShell({
  log,
  http: where,
  takesWork,
  queues = [],
  redis,
  client,
}: ServiceShellOptions): ServiceShell {
  let http: HealthServer | undefined;
  const close = closeAll(log, [
    ...takesWork,
    ["http", () => http?.close()],
    ...queues,
    ["redis", () => void redis.disconnect()],
    ["kube client", () => client.close()],
  ]);
  return {
    get httpPort() {
      return http?.port ?? 0;
    },
    async listen({ registry, ready }) {
      http = await startHealthServer({ host: where.host, port: where.port, registry, ready });
      return http.port;
    },
    close,
  };
}
