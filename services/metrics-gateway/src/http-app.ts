import { type MetricFamily, parseTextFormat } from "@kubedump/metrics";
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from "express";
import type { Logger } from "@kubedump/service";
import type { Registry } from "prom-client";
import { type ApiV1Options, createApiV1 } from "./api-v1.js";
import { requireBearer } from "./auth.js";
import { GatewayRequestError, PushRejectedError, StoreUnavailableError } from "./errors.js";
import { type HeldGroup, renderExposition } from "./exposition.js";
import type { RedisGroupStore } from "./group-store.js";
import { type PushPathParams, parseGroupingPath } from "./grouping-path.js";
import type { OutageLog } from "./outage-log.js";
import { parsePushBody, readPushBody } from "./push-body.js";
import { cleanPath, PUSH_METHODS_ALLOWED, routePushPath } from "./push-route.js";

export interface HttpAppDeps {
  store: RedisGroupStore;
  registry: Registry;
  logger: Logger;
  outage: OutageLog;
  bodyLimitBytes: number;
  pushToken?: string;
  apiV1: ApiV1Options;
  isReady(): Promise<boolean>;
}

/** The gateway's HTTP API: Pushgateway pushes and deletes, /metrics, /api/v1, /-/healthy, /-/ready. */
export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(canonicalPath);
  app.all(["/-/healthy", "/-/ready", "/metrics"], getOnly);
  app.get("/-/healthy", (_req, res) => {
    res.type("text/plain").send("OK\n");
  });
  app.get("/-/ready", async (_req, res) => {
    const ready = await deps.isReady();
    res
      .status(ready ? 200 : 503)
      .type("text/plain")
      .send(ready ? "OK\n" : "Redis is not answering\n");
  });
  app.get("/metrics", scrape(deps));
  app.use(
    "/api/v1",
    createApiV1({ store: deps.store, logger: deps.logger, auth: requireBearer(deps.pushToken), options: deps.apiV1 }),
  );
  app.use(pushRoutes(deps));
  app.use(errorHandler(deps));
  return app;
}

/** As Go's HTTP server does before routing: a path with `//`, `.` or `..` segments is redirected (307) to its clean form. */
const canonicalPath: RequestHandler = (req, res, next) => {
  const clean = cleanPath(req.path);
  if (clean === req.path) {
    next();
    return;
  }
  res.redirect(307, clean + queryOf(req));
};

/** Paths the Pushgateway serves to GET alone: OPTIONS lists it, any other method (HEAD too) is 405. */
const getOnly: RequestHandler = (req, res, next) => {
  if (req.method === "GET") next();
  else allowOnly("GET, OPTIONS", req, res);
};

/** The answer to a method a path does not take: 200 listing the allowed ones for OPTIONS, else 405. */
function allowOnly(allow: string, req: Request, res: Response): void {
  res.set("Allow", allow);
  if (req.method === "OPTIONS") res.status(200).end();
  else res.status(405).type("text/plain").send("Method Not Allowed\n");
}

const queryOf = (req: Request): string => {
  const at = req.originalUrl.indexOf("?");
  return at === -1 ? "" : req.originalUrl.slice(at);
};

/** The push paths, routed on the percent-decoded path as the Pushgateway routes them (see push-route.ts). */
function pushRoutes(deps: HttpAppDeps): RequestHandler {
  const auth = requireBearer(deps.pushToken);
  return (req, res, next) => {
    let path: string;
    try {
      path = decodeURIComponent(req.path);
    } catch (err) {
      next(new GatewayRequestError(400, `invalid percent-encoding in the path ${req.path}`, { cause: err }));
      return;
    }
    const route = routePushPath(path, req.method);
    if (route.kind === "none") next();
    else if (route.kind === "redirect") res.redirect(307, route.location + queryOf(req));
    else if (!["PUT", "POST", "DELETE"].includes(req.method)) allowOnly(PUSH_METHODS_ALLOWED, req, res);
    else {
      const handle = req.method === "DELETE" ? remove : push;
      auth(req, res, (err?: unknown) => {
        if (err) next(err);
        else handle(deps, req, route.params).then((status) => res.status(status).end(), next);
      });
    }
  };
}

function scrape(deps: HttpAppDeps): RequestHandler {
  return async (_req, res) => {
    const ownText = await deps.registry.metrics();
    let own: MetricFamily[];
    try {
      own = parseTextFormat(ownText);
    } catch (err) {
      deps.logger.error({ err }, "the gateway's own metrics do not parse; serving them without pushed metrics");
      res.type(deps.registry.contentType).send(ownText);
      return;
    }
    const { text, conflicts } = renderExposition(own, await readGroups(deps));
    for (const conflict of conflicts)
      deps.logger.warn({ conflict }, "left out a family that conflicts with another group");
    res.type(deps.registry.contentType).send(text);
  };
}

/** The pushed groups, or none while Redis is unreachable (logged once per outage). */
async function readGroups(deps: HttpAppDeps): Promise<HeldGroup[]> {
  try {
    const groups = await deps.store.groups();
    deps.outage.ok();
    for (const g of groups.filter((g) => g.corrupt !== undefined)) {
      deps.logger.warn(
        { group: g.labels, key: g.key, reason: g.corrupt },
        "stored metrics of a group do not parse; serving its push times only",
      );
    }
    return groups;
  } catch (err) {
    deps.outage.fail(err);
    return [];
  }
}

/** PUT replaces the group, POST the families of the pushed names; 200 once stored. */
async function push(deps: HttpAppDeps, req: Request, params: PushPathParams): Promise<number> {
  const labels = parseGroupingPath(params);
  const body = await readPushBody(req, deps.bodyLimitBytes);
  const families = parsePushBody(req.get("content-type"), body);
  await deps.store.push({ labels, families, replace: req.method === "PUT" });
  deps.logger.debug({ group: labels, method: req.method, families: families.length }, "metrics pushed");
  return 200;
}

async function remove(deps: HttpAppDeps, _req: Request, params: PushPathParams): Promise<number> {
  const labels = parseGroupingPath(params);
  await deps.store.delete(labels);
  deps.logger.debug({ group: labels }, "metric group deleted");
  return 202;
}

/** The one place a request's failure is logged and answered. */
function errorHandler(deps: HttpAppDeps): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const status = statusOf(err);
    const log = deps.logger.child({ method: req.method, path: req.path, status });
    let reason: string;
    if (err instanceof PushRejectedError)
      reason = `pushed metrics are invalid or inconsistent with existing metrics: ${err.message}`;
    else if (status < 500 || err instanceof StoreUnavailableError)
      reason = err instanceof Error ? err.message : String(err);
    else reason = "internal error";
    if (status >= 500) log.error({ err }, "request failed");
    else log.warn({ reason }, "request refused");
    if (res.headersSent) return;
    res.status(status).type("text/plain").send(`${reason}\n`);
  };
}

function statusOf(err: unknown): number {
  if (err instanceof GatewayRequestError) return err.status;
  if (err instanceof StoreUnavailableError) return 503;
  const status = (err as { status?: unknown } | null)?.status; // body-parser and http-errors set it
  return typeof status === "number" && status >= 400 && status < 600 ? status : 500;
}
