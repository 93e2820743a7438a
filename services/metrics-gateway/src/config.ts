import { describeRedisTarget, type RedisTarget } from "@kubedump/queue";
import { COMMON_ENV, parseRedisEnv, port } from "@kubedump/service/env";
import { z } from "zod";

/** Prometheus's Pushgateway's port. */
export const DEFAULT_HTTP_PORT = 9091;
export const DEFAULT_GATEWAY_KEY_PREFIX = "kubedump:gateway";
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

const { REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_MASTER, REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD } = COMMON_ENV;
const { QUEUE_PREFIX, HTTP_HOST, LOG_LEVEL } = COMMON_ENV;
const nonEmpty = z.string().trim().min(1);

const schema = z.object({
  REDIS_URL,
  REDIS_SENTINELS,
  REDIS_SENTINEL_MASTER,
  REDIS_PASSWORD,
  REDIS_SENTINEL_PASSWORD,
  QUEUE_PREFIX,
  HTTP_HOST,
  HTTP_PORT: port(DEFAULT_HTTP_PORT),
  LOG_LEVEL,
  GATEWAY_KEY_PREFIX: nonEmpty.default(DEFAULT_GATEWAY_KEY_PREFIX),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(1024 ** 3)
    .default(DEFAULT_BODY_LIMIT_BYTES),
  /** Serve PUT /api/v1/admin/wipe, which deletes every group (the Pushgateway's --web.enable-admin-api). */
  ENABLE_ADMIN_API: z.enum(["true", "false"]).default("false"),
  /** Bearer token required for PUT, POST and DELETE; unset means writes are open. */
  PUSH_TOKEN: z.string().trim().min(1, "must not be empty; unset it to accept unauthenticated pushes").optional(),
});

/**
 * `PORT` and `HOST`, the names a Pushgateway drop-in is often given, are read as `HTTP_PORT` and
 * `HTTP_HOST`, the names every kubedump service reads; `HTTP_*` wins when both are set.
 */
export const ENV_ALIASES: Readonly<Record<string, string>> = { PORT: "HTTP_PORT", HOST: "HTTP_HOST" };

/** Every environment variable the service reads; the Helm chart sets no other. */
export const ENV_VARS: readonly string[] = [...Object.keys(schema.shape), ...Object.keys(ENV_ALIASES)];

export type GatewayConfig = z.infer<typeof schema> & { redis: RedisTarget };

/** Reads and validates the gateway's settings; the only reader of process.env. */
export function loadConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  // An empty variable means "use the default", except a token: an empty one must not open writes.
  return parseRedisEnv(schema, env, { aliases: ENV_ALIASES, emptyIsValue: ["PUSH_TOKEN"] });
}

/** The settings fit for a log line: whether a token is set, not the token; where Redis is, not its URL or passwords. */
export function describeConfig(config: GatewayConfig): Record<string, unknown> {
  // The chart keeps REDIS_URL and the Redis passwords in Secrets (a URL may carry a password).
  const { PUSH_TOKEN, REDIS_URL, REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD, REDIS_SENTINELS, redis, ...rest } = config;
  return { ...rest, redisHost: describeRedisTarget(redis), pushTokenSet: PUSH_TOKEN !== undefined };
}
