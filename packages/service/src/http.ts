import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Registry } from "prom-client";

export interface HealthRoutes {
  registry: Registry;
  /** Ready when this resolves true (dependencies reachable, informers synced, ...). */
  ready: () => Promise<boolean> | boolean;
}

export interface HttpServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A service's own registry with Node process metrics (`process_*`, `nodejs_*`), every series
 * labelled with the service's name when one is given.
 */
export function createRegistry(service?: string): Registry {
  const registry = new Registry();
  if (service) registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** `/healthz` (alive), `/readyz` (ready), `/metrics` (Prometheus). */
export function healthRoutes(opts: HealthRoutes): RequestListener {
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (code: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(code, { "content-type": type });
      res.end(body);
    };
    if (path === "/healthz") return send(200, "ok\n");
    if (path === "/readyz") {
      Promise.resolve()
        .then(opts.ready)
        .then(
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
  };
}

/** Listens on host:port (0: a free port); close() waits for requests in flight and drops idle connections. */
export async function startHttpServer(opts: {
  host: string;
  port: number;
  handler: RequestListener;
}): Promise<HttpServer> {
  const server = createServer(opts.handler);
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(opts.port, opts.host, () => {
      server.off("error", fail);
      done();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((err) => (err ? fail(err) : done()));
        server.closeIdleConnections();
      }),
  };
}
