import { z } from "zod";

export const DEFAULT_PORT = 9091;
export const DEFAULT_HOST = "0.0.0.0";
export const DEFAULT_QUEUE_PREFIX = "kubedump";
export const DEFAULT_GATEWAY_KEY_PREFIX = "kubedump:gateway";
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
export const DEFAULT_LOG_LEVEL = "info";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface GatewayConfig {
  port: number;
  host: string;
  redisUrl: string;
  queuePrefix: string;
  keyPrefix: string;
  bodyLimitBytes: number;
  /** Bearer token required for PUT, POST and DELETE; unset means writes are open. */
  pushToken?: string;
  logLevel: LogLevel;
}

/** The environment is missing a variable or holds an invalid one; the message names it. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const nonEmpty = z.string().trim().min(1);

const schema = z.object({
  PORT: integer(0, 65535).default(DEFAULT_PORT),
  HOST: nonEmpty.default(DEFAULT_HOST),
  REDIS_URL: nonEmpty.refine((v) => /^rediss?:\/\//.test(v), "must be a redis:// or rediss:// URL"),
  QUEUE_PREFIX: nonEmpty.default(DEFAULT_QUEUE_PREFIX),
  GATEWAY_KEY_PREFIX: nonEmpty.default(DEFAULT_GATEWAY_KEY_PREFIX),
  BODY_LIMIT_BYTES: integer(1, 1024 ** 3).default(DEFAULT_BODY_LIMIT_BYTES),
  PUSH_TOKEN: z.string().trim().min(1, "must not be empty; unset it to accept unauthenticated pushes").optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default(DEFAULT_LOG_LEVEL),
});

/** Reads and validates the gateway's settings; the only reader of process.env. */
export function loadConfig(env: Record<string, string | undefined>): GatewayConfig {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    // An empty variable means "use the default", except a token: an empty one must not open writes.
    if (value !== undefined && (value !== "" || key === "PUSH_TOKEN")) picked[key] = value;
  }
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid environment: ${problems.join("; ")}`, { cause: parsed.error });
  }
  const v = parsed.data;
  return {
    port: v.PORT,
    host: v.HOST,
    redisUrl: v.REDIS_URL,
    queuePrefix: v.QUEUE_PREFIX,
    keyPrefix: v.GATEWAY_KEY_PREFIX,
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    ...(v.PUSH_TOKEN === undefined ? {} : { pushToken: v.PUSH_TOKEN }),
    logLevel: v.LOG_LEVEL,
  };
}

/** The settings fit for a log line: the token left out, any Redis password masked. */
export function describeConfig(config: GatewayConfig): Record<string, unknown> {
  const { pushToken, redisUrl, ...rest } = config;
  return { ...rest, redisUrl: maskPassword(redisUrl), pushTokenSet: pushToken !== undefined };
}

function maskPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable)";
  }
}
