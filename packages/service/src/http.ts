import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Registry } from "prom-client";

export interface HealthServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Ready when this resolves true (dependencies reachable, informers synced, ...). */
  ready: () => Promise<boolean> | boolean;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/** A service's own registry with Node process metrics (`process_*`, `nodejs_*`). */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** `/healthz` (alive), `/readyz` (ready), `/metrics` (Prometheus). */
export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (code: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(code, { "content-type": type });
      res.end(body);
    };
    if (path === "/healthz") return send(200, "ok\n");
    if (path === "/readyz") {
      Promise.resolve(opts.ready()).then(
        (ok) => send(ok ? 200 : 503, ok ? "ready\n" : "not ready\n"),
        () => send(503, "not ready\n"),
      );
      return;
    }
    if (path === "/metrics") {
      opts.registry.metrics().then(
        (text) => send(200, text, opts.registry.contentType),
        (err: Error) => send(500, `${err.message}\n`),
      );
      return;
    }
    send(404, "not found\n");
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(opts.port, opts.host, () => done());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
