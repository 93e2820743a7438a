import { COMMON_ENV, identityOf, LEADER_ENV, parseEnv, port } from "@kubedump/service/env";
import { z } from "zod";

export const DEFAULT_HTTP_PORT = 8081;
export const DEFAULT_RESYNC_SECONDS = 300;

const schema = z.object({
  ...COMMON_ENV,
  ...LEADER_ENV,
  HTTP_PORT: port(DEFAULT_HTTP_PORT),
  LEASE_NAME: z.string().default("kubedump-scheduler"),
  RESYNC_SECONDS: z.coerce.number().int().min(1).default(DEFAULT_RESYNC_SECONDS),
  /** Schedule only the configurations of one namespace (default: all). */
  WATCH_NAMESPACE: z.string().optional(),
});

/** Every environment variable the service reads; the Helm chart sets no other. */
export const ENV_VARS: readonly string[] = Object.keys(schema.shape);

export type SchedulerConfig = z.infer<typeof schema> & { identity: string };

/** The only reader of process.env for the scheduler. */
export function loadConfig(env: NodeJS.ProcessEnv): SchedulerConfig {
  const c = parseEnv(schema, env);
  return { ...c, identity: identityOf(c.POD_NAME) };
}
