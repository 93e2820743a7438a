import type { RequestListener } from "node:http";
import { type HealthRoutes, type HttpServer, healthRoutes, startHttpServer } from "./http.js";
import { closeAll, type Step } from "./lifecycle.js";
import type { Logger } from "./logger.js";

export interface ServiceShellOptions {
  log: Logger;
  http: { host: string; port: number };
  /** Closed first, before the HTTP server: what takes work (leadership, a BullMQ worker). */
  takesWork?: Step[];
  /** Closed after the HTTP server, before Redis: the queues. */
  queues?: Step[];
  /** Absent for a service without Redis. */
  redis?: { disconnect(): void };
  /** The Kubernetes API client, closed last (the metrics gateway has none). */
  client?: { close(): void };
}

/** What every service shares: its HTTP server, and one order of closing. */
export interface ServiceShell {
  /** The HTTP server's port once it listens (0 before). */
  readonly httpPort: number;
  /**
   * Starts the HTTP server — `/healthz`, `/readyz` and `/metrics` from a registry and a readiness
   * check, or a service's own handler (the gateway's Pushgateway API) — and resolves with its port.
   */
  listen(opts: HealthRoutes | { handler: RequestListener }): Promise<number>;
  /** Stops taking work, then closes the HTTP server, the queues, Redis and the API client; safe to call twice. */
  close(): Promise<void>;
}

export function createServiceShell({
  log,
  http: where,
  takesWork = [],
  queues = [],
  redis,
  client,
}: ServiceShellOptions): ServiceShell {
  let http: HttpServer | undefined;
  const close = closeAll(log, [
    ...takesWork,
    ["http", () => http?.close()],
    ...queues,
    ["redis", () => void redis?.disconnect()],
    ["kube client", () => client?.close()],
  ]);
  return {
    get httpPort() {
      return http?.port ?? 0;
    },
    async listen(opts) {
      const handler = "handler" in opts ? opts.handler : healthRoutes(opts);
      http = await startHttpServer({ host: where.host, port: where.port, handler });
      return http.port;
    },
    close,
  };
}
