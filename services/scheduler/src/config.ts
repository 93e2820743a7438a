import { leaderElectedEnv, parseServiceEnv, type ServiceConfig } from "@kubedump/service/env";
import { z } from "zod";

export const DEFAULT_HTTP_PORT = 8081;
export const DEFAULT_RESYNC_SECONDS = 300;
export const DEFAULT_LEASE_NAME = "kubedump-scheduler";

const schema = z.object(
  leaderElectedEnv({
    httpPort: DEFAULT_HTTP_PORT,
    leaseName: DEFAULT_LEASE_NAME,
    resyncSeconds: DEFAULT_RESYNC_SECONDS,
  }),
);

/** Every environment variable the service reads; the Helm chart sets no other. */
export const ENV_VARS: readonly string[] = Object.keys(schema.shape);

export type SchedulerConfig = ServiceConfig<typeof schema>;

/** The only reader of process.env for the scheduler. */
export const loadConfig = (env: NodeJS.ProcessEnv): SchedulerConfig => parseServiceEnv(schema, env);
