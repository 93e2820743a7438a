// The kubedump console's server (issue 20; the contract both sides keep is CONSOLE-API.md, and
// docs/console.md tells operators about it). Every /api request carries a Kubernetes bearer
// token (Authorization: Bearer, or the kd_token cookie of POST /api/v1/login) checked with a
// TokenReview; every action is authorized with a SubjectAccessReview as that user; a cookie
// mutation needs X-CSRF-Token. Errors are JSON {error} naming the field or object.
//
//   POST /api/v1/login {token} · POST /api/v1/logout · GET /api/v1/session
//   GET  /api/v1/repositories                                   (get on each Repository)
//   GET  /api/v1/repositories/:ns/:name/snapshots[/:id]         (get on that Repository)
//   GET  …/snapshots/:id/tree[?namespace=[&resource=&group=[&after=&limit=]]]   paged from the index
//   GET  …/snapshots/:id/object?group=&resource=&namespace=&name=   (get on that type there; Secrets masked without)
//   GET  …/snapshots/:id/download?format=yaml|tar.gz|zip[&namespace=][&group=&resource=[&name=]]
//   GET  …/objects/history?group=&resource=&namespace=&name= (snapshots, and the journal's changes and gaps)
//   GET  …/objects/journal-version?group=&resource=&namespace=&name=&time= · GET …/diff?a=&b=[&namespace=][&resource=]
//   GET  /api/v1/backupconfigurations · GET /api/v1/backupsessions[?namespace=&configuration=]
//   POST /api/v1/backupconfigurations/:ns/:name/trigger          (create on backupsessions)
//   POST /api/v1/restores {namespace, repository, snapshot, …spec, dryRun} · GET /api/v1/restoresessions/:ns/:name
// The browser side (web/, built to dist/web/) is served at /, with a strict CSP on every response.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Request, type Response } from "express";
import { createKubeClient, type KubeClient } from "@kubedump/kube";
import { createAwsCredentialChain } from "@kubedump/repository";
import { closeAll, createRegistry, type Logger } from "@kubedump/service";
import { actionRoutes } from "./action-routes.js";
import { changeRoutes } from "./change-routes.js";
import type { ConsoleConfig } from "./config.js";
import { answerOf, HttpError } from "./http-error.js";
import { createKubeAuth } from "./kube-auth.js";
import { createRepositoryCatalog } from "./repositories.js";
import { repositoryRoutes } from "./repository-routes.js";
import { sessionRoutes } from "./session-routes.js";
import { createSummaryCache } from "./snapshot-summary.js";
import { securityHeaders, webAssets } from "./web-assets.js";
import { authRoutes } from "./web-session.js";

export interface ConsoleApp {
  /** Listens on HTTP_HOST:HTTP_PORT (0: a free port) and resolves with the port. */
  start(): Promise<number>;
  /** Stops listening (requests in flight finish) and closes the API client; safe to call twice. */
  close(): Promise<void>;
  readonly httpPort: number;
}

/** Body size of a login or a restore request. */
const JSON_LIMIT = "64kb";

function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = answerOf(err);
    const status = known?.status ?? 500;
    if (status >= 500) log.error({ err, method: req.method, path: req.path }, "request failed");
    if (res.headersSent) return void res.destroy();
    res.status(status).json({ error: known?.error ?? "internal error (logged by the console)" });
  };
}

/** The express application of the console: health routes, the API, the browser side. */
export function createHandler(deps: { config: ConsoleConfig; log: Logger; client: KubeClient }) {
  const { config, log, client } = deps;
  const ttlMs = config.AUTH_CACHE_SECONDS * 1000;
  const auth = createKubeAuth({ client, ttlMs });
  const catalog = createRepositoryCatalog({
    client,
    namespace: config.WATCH_NAMESPACE,
    ttlMs: config.REPOSITORY_CACHE_SECONDS * 1000,
    credentials: createAwsCredentialChain({ env: config }),
  });
  const summary = createSummaryCache(config.SNAPSHOT_CACHE_ENTRIES);
  const registry = createRegistry("console");
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.TRUST_PROXY === "true");
  app.use(securityHeaders);
  app.get("/healthz", (_req, res) => void res.type("text/plain").send("ok\n"));
  app.get("/readyz", (_req, res) => void res.type("text/plain").send("ready\n"));
  app.get("/metrics", async (_req, res) => void res.type(registry.contentType).send(await registry.metrics()));
  app.use("/api", express.json({ limit: JSON_LIMIT }));
  app.use(authRoutes({ auth, csrfKey: config.CSRF_KEY }));
  app.use(repositoryRoutes({ auth, catalog, summary }));
  app.use(changeRoutes({ auth, catalog, summary }));
  const sessions = { client, auth, namespace: config.WATCH_NAMESPACE, log };
  app.use(sessionRoutes(sessions));
  app.use(actionRoutes(sessions));
  app.use("/api", (req) => {
    throw new HttpError(404, `no such API route: ${req.method} ${req.originalUrl.split("?")[0]}`);
  });
  app.use(webAssets());
  app.use((req) => {
    throw new HttpError(404, `not found: ${req.path}`);
  });
  app.use(errorHandler(log));
  return app;
}

/** The console service: createHandler on an HTTP server. No I/O until start(). */
export function createConsoleApp(deps: { config: ConsoleConfig; log: Logger; client?: KubeClient }): ConsoleApp {
  const { config, log } = deps;
  const client = deps.client ?? createKubeClient({ kubeconfig: config.KUBECONFIG });
  let server: Server | undefined;
  const close = closeAll(log, [
    ["http", () => closeServer(server)],
    ["kube client", () => (deps.client ? undefined : client.close())],
  ]);
  return {
    get httpPort() {
      return (server?.address() as AddressInfo | null)?.port ?? 0;
    },
    async start() {
      server = createServer(createHandler({ config, log, client }));
      await new Promise<void>((done, fail) => {
        server?.once("error", fail).listen(config.HTTP_PORT, config.HTTP_HOST, () => done());
      });
      const port = (server.address() as AddressInfo).port;
      log.info({ port }, "console listening");
      return port;
    },
    close,
  };
}

function closeServer(server: Server | undefined): Promise<void> | undefined {
  if (!server?.listening) return undefined;
  return new Promise<void>((done, fail) => {
    server.close((err) => (err ? fail(err) : done()));
    server.closeIdleConnections();
  });
}
