import { type MetricFamily, parseTextFormat } from "@kubedump/metrics";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import type { Logger } from "@kubedump/service";
import type { Registry } from "prom-client";
import { type ApiV1Options, createApiV1 } from "./api-v1.js";
import { requireBearer } from "./auth.js";
import { GatewayRequestError, PushRejectedError, StoreUnavailableError } from "./errors.js";
import { type HeldGroup, renderExposition } from "./exposition.js";
import type { RedisGroupStore } from "./group-store.js";
import { parseGroupingPath } from "./grouping-path.js";
import type { OutageLog } from "./outage-log.js";
import { parsePushBody } from "./push-body.js";

/** `/metrics/job/<job>…` and `/metrics/job@base64/<job>…`, the Pushgateway's push paths. */
const PUSH_PATH = /^\/metrics\/job(?:@base64|%40base64)?\/.*/;

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
  const auth = requireBearer(deps.pushToken);
  const body = express.raw({ type: () => true, limit: deps.bodyLimitBytes });
  app.put(PUSH_PATH, auth, body, push(deps, true));
  app.post(PUSH_PATH, auth, body, push(deps, false));
  app.delete(PUSH_PATH, auth, remove(deps));
  app.use("/api/v1", createApiV1({ store: deps.store, logger: deps.logger, auth, options: deps.apiV1 }));
  app.use(errorHandler(deps));
  return app;
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

function push(deps: HttpAppDeps, replace: boolean): RequestHandler {
  return async (req, res) => {
    const labels = parseGroupingPath(req.path);
    const families = parsePushBody(req.get("content-type"), req.body);
    await deps.store.push({ labels, families, replace });
    deps.logger.debug({ group: labels, method: req.method, families: families.length }, "metrics pushed");
    res.status(200).end();
  };
}

function remove(deps: HttpAppDeps): RequestHandler {
  return async (req, res) => {
    const labels = parseGroupingPath(req.path);
    await deps.store.delete(labels);
    deps.logger.debug({ group: labels }, "metric group deleted");
    res.status(202).end();
  };
}

/** The one place a request's failure is logged and answered. */
function errorHandler(deps: HttpAppDeps): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const status = statusOf(err);
    const log = deps.logger.child({ method: req.method, path: req.path, status });
    let reason: string;
    if (status === 413) reason = `request body exceeds the limit of ${deps.bodyLimitBytes} bytes`;
    else if (err instanceof PushRejectedError)
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
