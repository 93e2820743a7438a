import { leaderElectedEnv, parseServiceEnv, type ServiceConfig } from "@kubedump/service/env";
import { z } from "zod";

export const DEFAULT_HTTP_PORT = 8080;
export const DEFAULT_RESYNC_SECONDS = 60;
export const DEFAULT_LEASE_NAME = "kubedump-watcher";

const schema = z.object(
  leaderElectedEnv({
    httpPort: DEFAULT_HTTP_PORT,
    leaseName: DEFAULT_LEASE_NAME,
    resyncSeconds: DEFAULT_RESYNC_SECONDS,
  }),
);

/** Every environment variable the service reads; the Helm chart sets no other. */
export const ENV_VARS: readonly string[] = Object.keys(schema.shape);

export type WatcherConfig = ServiceConfig<typeof schema>;

/** The only reader of process.env for the watcher. */
export const loadConfig = (env: NodeJS.ProcessEnv): WatcherConfig => parseServiceEnv(schema, env);
