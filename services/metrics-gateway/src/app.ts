import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { METRIC_TYPES, type MetricType } from "@kubedump/metrics";
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { describeConfig, type GatewayConfig } from "./config.js";
import type { OwnFamily } from "./exposition.js";
import { RedisGroupStore } from "./group-store.js";
import { createHttpApp } from "./http-app.js";
import { OutageLog } from "./outage-log.js";
import { registerQueueDepth } from "./queue-depth.js";
import { withTimeout } from "./timeout.js";

/** How long a store command may take before the request is answered 503. */
const COMMAND_TIMEOUT_MS = 3_000;
const PING_TIMEOUT_MS = 1_000;

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
}

export interface GatewayAddress {
  host: string;
  port: number;
  /** `http://host:port`, ready for clients. */
  url: string;
}

export interface MetricsGateway {
  /** Connects to Redis (in the background: the gateway serves while Redis is down) and listens. */
  start(): Promise<GatewayAddress>;
  /** Stops listening, closes the queues and Redis connections; safe to call twice. */
  close(): Promise<void>;
}

/** Builds the gateway; no I/O happens until start(). */
export function createApp({ config, logger }: GatewayDeps): MetricsGateway {
  const outage = new OutageLog(logger, "Redis");
  const connect = (options: RedisOptions): Redis => {
    const redis = new Redis(config.redisUrl, { lazyConnect: true, ...options });
    redis.on("error", (err) => outage.fail(err));
    return redis;
  };
  const redis = connect({ maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS });
  const queueRedis = connect({ maxRetriesPerRequest: null });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const queues = registerQueueDepth({ connection: queueRedis, prefix: config.queuePrefix, registry, outage });
  const store = new RedisGroupStore({ redis, keyPrefix: config.keyPrefix, ownFamilies: () => ownFamilies(registry) });
  const isReady = async (): Promise<boolean> => {
    if (redis.status !== "ready") return false;
    return withTimeout(redis.ping(), PING_TIMEOUT_MS, "PING").then(
      () => true,
      () => false,
    );
  };
  const server = createServer(
    createHttpApp({
      store,
      registry,
      logger,
      outage,
      bodyLimitBytes: config.bodyLimitBytes,
      pushToken: config.pushToken,
      isReady,
    }),
  );
  let closing: Promise<void> | undefined;

  return {
    async start() {
      for (const client of [redis, queueRedis]) client.connect().catch(() => undefined); // errors arrive as "error" events
      const address = await listen(server, config.port, config.host);
      logger.info({ ...describeConfig(config), url: address.url }, "metrics gateway listening");
      return address;
    },
    close() {
      closing ??= closeAll(logger, [
        ["HTTP server", () => stopServer(server)],
        ["queues", () => queues.close()],
        ["Redis", () => quit(redis)],
        ["queue Redis", () => quit(queueRedis)],
      ]);
      return closing;
    },
  };
}

/** Name → type of every metric in the registry (prom-client's `type` is the type's name at runtime). */
function ownFamilies(registry: Registry): ReadonlyMap<string, OwnFamily> {
  const types: readonly string[] = METRIC_TYPES;
  return new Map(
    registry.getMetricsAsArray().map((m) => {
      const type = String(m.type);
      return [m.name, { type: types.includes(type) ? (type as MetricType) : "untyped" }];
    }),
  );
}

function listen(server: Server, port: number, host: string): Promise<GatewayAddress> {
  return new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      const { port: bound } = server.address() as AddressInfo;
      done({ host, port: bound, url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}` });
    });
  });
}

function stopServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((done, fail) => {
    server.close((err) => (err ? fail(err) : done()));
    server.closeIdleConnections();
  });
}

/** QUIT when connected (lets replies in flight arrive); otherwise just drop the connection. */
async function quit(redis: Redis): Promise<void> {
  if (redis.status === "ready") await redis.quit();
  else redis.disconnect();
}

/** Runs every step even when one fails; each failure is logged here, once. */
async function closeAll(logger: Logger, steps: [string, () => Promise<void>][]): Promise<void> {
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (err) {
      logger.warn({ err }, `closing the ${what} failed`);
    }
  }
  logger.info("metrics gateway closed");
}
