import { hostname } from "node:os";
import type { RedisTarget } from "@kubedump/queue";
import { z } from "zod";
import { REDIS_ENV, redisProblems, redisTargetOf } from "./redis-env.js";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface ParseEnvOptions {
  /** Other names a variable is read under, alias → variable; the variable wins when both are set. */
  aliases?: Readonly<Record<string, string>>;
  /** Variables whose empty value is a value, not "unset" (a token: an empty one must not open writes). */
  emptyIsValue?: readonly string[];
}

/** A check of several variables together: `VARIABLE: message` for each problem, none when all is well. */
export type EnvCheck<T> = (config: T) => string[];

/**
 * Validates environment variables with a zod object schema whose keys are the variable names;
 * fails with one message naming every bad variable as it was set (values are never echoed: some
 * are secrets). An empty variable counts as unset, so it takes its default.
 */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv,
  opts: ParseEnvOptions & { checks?: EnvCheck<z.infer<S>>[] } = {},
): z.infer<S> {
  const read = (k: string) => (env[k] === "" && !opts.emptyIsValue?.includes(k) ? undefined : env[k]);
  const raw: Record<string, string | undefined> = {};
  /** The name each variable was read under, for the message. */
  const source = new Map<string, string>();
  for (const key of Object.keys(schema.shape)) {
    const alias = Object.keys(opts.aliases ?? {}).find((a) => opts.aliases?.[a] === key && read(a) !== undefined);
    const from = read(key) === undefined && alias ? alias : key;
    raw[key] = read(from);
    source.set(key, from);
  }
  const result = schema.safeParse(raw);
  const problems = result.success
    ? (opts.checks ?? []).flatMap((check) => check(result.data))
    : result.error.issues.map((i) => {
        const key = String(i.path[0] ?? "?");
        return `${source.get(key) ?? key}: ${i.message}`;
      });
  if (result.success && !problems.length) return result.data;
  throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
}

/** A schema holding the Redis variables (REDIS_ENV), as every service's does. */
type WithRedis = z.ZodObject<{ [K in keyof typeof REDIS_ENV]: (typeof REDIS_ENV)[K] }>;

/** parseEnv, with the Redis variables checked together and `redis`, the Redis they name, added. */
export function parseRedisEnv<S extends WithRedis>(
  schema: S,
  env: NodeJS.ProcessEnv,
  opts: ParseEnvOptions = {},
): z.infer<S> & { redis: RedisTarget } {
  const c = parseEnv(schema, env, { ...opts, checks: [redisProblems] });
  return { ...c, redis: redisTargetOf(c) };
}

/** Variables every kubedump service reads (Helm values map onto them one-to-one). */
export const COMMON_ENV = {
  KUBECONFIG: z.string().optional(),
  ...REDIS_ENV,
  QUEUE_PREFIX: z.string().min(1).default("kubedump"),
  HTTP_HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  POD_NAME: z.string().optional(),
};

/** Leader election on a coordination.k8s.io Lease (watcher and scheduler). */
export const LEADER_ENV = {
  LEADER_ELECTION: z.enum(["true", "false"]).default("true"),
  LEASE_NAMESPACE: z.string().default("kubedump-system"),
  LEASE_DURATION_SECONDS: z.coerce.number().int().min(2).default(15),
};

/** Optional string variables by name, e.g. the AWS credential chain's, which the platform may set. */
export const optionalVars = <N extends string>(names: readonly N[]) =>
  Object.fromEntries(names.map((name) => [name, z.string().optional()])) as Record<N, z.ZodOptional<z.ZodString>>;

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** The defaults that tell one leader-elected service from another. */
export interface LeaderElectedDefaults {
  httpPort: number;
  /** The Lease the replicas compete for. */
  leaseName: string;
  /** How often the leader reconciles everything, events or not. */
  resyncSeconds: number;
}

/**
 * The variables of a leader-elected service (watcher, scheduler): COMMON_ENV, LEADER_ENV, its HTTP
 * port and Lease name, its resync period and the one namespace it may be limited to.
 */
export function leaderElectedEnv(defaults: LeaderElectedDefaults) {
  return {
    ...COMMON_ENV,
    ...LEADER_ENV,
    HTTP_PORT: port(defaults.httpPort),
    LEASE_NAME: z.string().min(1).default(defaults.leaseName),
    RESYNC_SECONDS: z.coerce.number().int().min(1).default(defaults.resyncSeconds),
    /** Watch one namespace only (default: all). */
    WATCH_NAMESPACE: z.string().optional(),
  };
}

/** A service's settings: its variables, parsed, the Redis they name and this replica's name (see identityOf). */
export type ServiceConfig<S extends z.ZodObject> = z.infer<S> & { redis: RedisTarget; identity: string };

/** parseRedisEnv, plus the replica's identity from POD_NAME. */
export function parseServiceEnv<S extends WithRedis & z.ZodObject<{ POD_NAME: typeof COMMON_ENV.POD_NAME }>>(
  schema: S,
  env: NodeJS.ProcessEnv,
  opts: ParseEnvOptions = {},
): ServiceConfig<S> {
  const c = parseRedisEnv(schema, env, opts);
  return { ...c, identity: identityOf(c.POD_NAME) };
}

const leaderElectedSchema = (defaults: LeaderElectedDefaults) => z.object(leaderElectedEnv(defaults));

/** The settings of a leader-elected service. */
export type LeaderElectedServiceConfig = ServiceConfig<ReturnType<typeof leaderElectedSchema>>;

/**
 * What the config module of a leader-elected service exports: every variable it reads (the Helm
 * chart sets no other) and loadConfig, the service's only reader of process.env.
 */
export function leaderElectedConfig(defaults: LeaderElectedDefaults) {
  const schema = leaderElectedSchema(defaults);
  return {
    ENV_VARS: Object.keys(schema.shape) as readonly string[],
    loadConfig: (env: NodeJS.ProcessEnv): LeaderElectedServiceConfig => parseServiceEnv(schema, env),
  };
}

/** A replica's name in leader election and logs: its Pod's name, else `<host>-<pid>`. */
export const identityOf = (podName: string | undefined): string => podName ?? `${hostname()}-${process.pid}`;

export { DEFAULT_SENTINEL_PORT } from "./redis-env.js";
