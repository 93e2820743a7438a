import { readFileSync } from "node:fs";
import { METRIC_TYPES, type MetricType } from "@kubedump/metrics";
import { createRegistry, createServiceShell, type Logger } from "@kubedump/service";
import { createRedis } from "@kubedump/queue";
import type { Redis, RedisOptions } from "ioredis";
import type { Registry } from "prom-client";
import { apiV1Options } from "./api-v1.js";
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
  log: Logger;
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
  /** The port once it listens (0 before). */
  readonly httpPort: number;
}

/**
 * Builds the gateway on the service shell, with its own HTTP API in place of the shell's health
 * routes (`/-/healthy`, `/-/ready`, `/metrics`, as Prometheus's Pushgateway serves them); no I/O
 * happens until start().
 */
export function createApp({ config, log }: GatewayDeps): MetricsGateway {
  const outage = new OutageLog(log, "Redis");
  const connect = (options: RedisOptions): Redis => {
    const redis = createRedis(config.redis, { lazyConnect: true, ...options });
    redis.on("error", (err) => outage.fail(err));
    return redis;
  };
  const redis = connect({ maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS });
  const queueRedis = connect({ maxRetriesPerRequest: null });
  // No `service` label: the gateway's own series sit beside pushed ones, as the Pushgateway's do.
  const registry = createRegistry();
  const queues = registerQueueDepth({ connection: queueRedis, prefix: config.QUEUE_PREFIX, registry, outage });
  const store = new RedisGroupStore({
    redis,
    keyPrefix: config.GATEWAY_KEY_PREFIX,
    ownFamilies: () => ownFamilies(registry),
  });
  const isReady = async (): Promise<boolean> => {
    if (redis.status !== "ready") return false;
    return withTimeout(redis.ping(), PING_TIMEOUT_MS, "PING").then(
      () => true,
      () => false,
    );
  };
  const shell = createServiceShell({
    log,
    http: { host: config.HTTP_HOST, port: config.HTTP_PORT },
    queues: [
      ["queues", () => queues.close()],
      ["queue Redis", () => queueRedis.disconnect()],
    ],
    redis,
  });
  return {
    get httpPort() {
      return shell.httpPort;
    },
    async start() {
      for (const client of [redis, queueRedis]) client.connect().catch(() => undefined); // errors arrive as "error" events
      const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
        version: string;
      };
      const handler = createHttpApp({
        store,
        registry,
        logger: log,
        outage,
        bodyLimitBytes: config.BODY_LIMIT_BYTES,
        pushToken: config.PUSH_TOKEN,
        apiV1: apiV1Options(config, version, new Date()),
        isReady,
      });
      const port = await shell.listen({ handler });
      const host = config.HTTP_HOST;
      const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
      log.info({ ...describeConfig(config), url }, "metrics gateway listening");
      return { host, port, url };
    },
    close: shell.close,
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
