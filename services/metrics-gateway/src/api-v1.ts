import type { Logger } from "@kubedump/service";
import express, { type RequestHandler, type Response, type Router } from "express";
import type { GatewayConfig } from "./config.js";
import { StoreUnavailableError } from "./errors.js";
import type { RedisGroupStore } from "./group-store.js";
import { groupsToJson } from "./metrics-json.js";

/** What `GET /api/v1/status` reports, and whether the admin API is on. */
export interface ApiV1Options {
  /** The gateway's settings under the names of the Pushgateway flags they stand for. */
  flags: Record<string, string>;
  /** The Pushgateway's keys; `version` is kubedump's, `nodeVersion` the runtime's. */
  buildInformation: Record<string, string>;
  startTime: Date;
  /** Serve `PUT /api/v1/admin/wipe` (the Pushgateway's `--web.enable-admin-api`). */
  adminApi: boolean;
}

export interface ApiV1Deps {
  store: RedisGroupStore;
  logger: Logger;
  /** Guards the wipe as it guards pushes (PUSH_TOKEN). */
  auth: RequestHandler;
  options: ApiV1Options;
}

/** The headers the Pushgateway's API sets on every answer, so that pages of other origins can call it. */
const CORS_HEADERS = {
  "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type, Origin",
  "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Expose-Headers": "Date",
  "Cache-Control": "no-cache, no-store, must-revalidate",
};

/** The options from the settings: the Pushgateway flags that have a counterpart here, by their names. */
export function apiV1Options(config: GatewayConfig, version: string, startTime: Date): ApiV1Options {
  const host = config.HTTP_HOST.includes(":") ? `[${config.HTTP_HOST}]` : config.HTTP_HOST;
  return {
    flags: {
      "log.format": "json",
      "log.level": config.LOG_LEVEL,
      "push.disable-consistency-check": "false",
      "push.enable-utf8-names": "false",
      "web.enable-admin-api": config.ENABLE_ADMIN_API,
      "web.enable-lifecycle": "false",
      "web.listen-address": `${host}:${config.HTTP_PORT}`,
      "web.telemetry-path": "/metrics",
    },
    buildInformation: {
      branch: "",
      buildDate: "",
      buildUser: "",
      goVersion: "",
      nodeVersion: process.version,
      revision: "",
      version,
    },
    startTime,
    adminApi: config.ENABLE_ADMIN_API === "true",
  };
}

/**
 * The Pushgateway's JSON API under /api/v1: `GET /status`, `GET /metrics` (every group, as
 * metrics-json.ts writes it), `OPTIONS` for CORS preflights, and `PUT /admin/wipe` (202, every
 * group deleted) when the admin API is on (404 when it is off); 405 for other methods; answers `{"status":"success","data":…}`, or
 * `{"status":"error","errorType":"unavailable",…}` with 503 while Redis does not answer.
 */
export function createApiV1({ store, logger, auth, options }: ApiV1Deps): Router {
  const api = express.Router();
  api.use((_req, res, next) => {
    res.set(CORS_HEADERS);
    next();
  });
  api.options("/{*path}", (_req, res) => {
    res.status(200).end();
  });
  api.get("/status", (_req, res) => {
    const { flags, buildInformation, startTime } = options;
    respond(res, 200, { flags, start_time: startTime.toISOString(), build_information: buildInformation });
  });
  api.all("/status", methodNotAllowed("GET, OPTIONS"));
  api.get("/metrics", async (_req, res) => {
    try {
      respond(res, 200, groupsToJson(await store.groups()));
    } catch (err) {
      unavailable(res, logger, err);
    }
  });
  api.all("/metrics", methodNotAllowed("GET, OPTIONS"));
  if (options.adminApi) {
    api.put("/admin/wipe", auth, async (_req, res) => {
      try {
        const wiped = await store.wipe();
        logger.info({ groups: wiped }, "wiped every metric group (PUT /api/v1/admin/wipe)");
        res.status(202).end();
      } catch (err) {
        unavailable(res, logger, err);
      }
    });
    api.all("/admin/wipe", methodNotAllowed("OPTIONS, PUT"));
  }
  return api;
}

const methodNotAllowed =
  (allow: string): RequestHandler =>
  (_req, res) => {
    res.status(405).set("Allow", allow).type("text/plain").send("Method Not Allowed\n");
  };

function respond(res: Response, status: number, data: unknown): void {
  res.status(status).json({ status: "success", data });
}

function unavailable(res: Response, logger: Logger, err: unknown): void {
  if (!(err instanceof StoreUnavailableError)) throw err;
  logger.warn({ reason: err.message }, "API request refused");
  res.status(503).json({ status: "error", errorType: "unavailable", error: err.message });
}
