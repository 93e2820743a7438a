import { z } from "zod";

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Validates environment variables with a zod object schema whose keys are the variable names;
 * fails with one message naming every bad variable (values are never echoed: some are secrets).
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const raw = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, env[k] === "" ? undefined : env[k]]));
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${String(i.path[0] ?? "?")}: ${i.message}`);
  throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
}

/** Variables every kubedump service reads (Helm values map onto them one-to-one). */
export const COMMON_ENV = {
  KUBECONFIG: z.string().optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "a redis:// or rediss:// URL"),
  QUEUE_PREFIX: z.string().min(1).default("kubedump"),
  HTTP_HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "silent"]).default("info"),
  POD_NAME: z.string().optional(),
};

/** Leader election on a coordination.k8s.io Lease (watcher and scheduler). */
export const LEADER_ENV = {
  LEADER_ELECTION: z.enum(["true", "false"]).default("true"),
  LEASE_NAMESPACE: z.string().default("kubedump-system"),
  LEASE_DURATION_SECONDS: z.coerce.number().int().min(2).default(15),
};

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
