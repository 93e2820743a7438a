import { AWS_ENV_VARS } from "@kubedump/repository";
import { leaderElectedEnv, optionalVars, parseServiceEnv, type ServiceConfig } from "@kubedump/service/env";
import { z } from "zod";

/** The watcher's own defaults; its other variables are every leader-elected service's (leaderElectedEnv). */
export const DEFAULTS = { httpPort: 8080, leaseName: "kubedump-watcher", resyncSeconds: 60 } as const;

/**
 * Finished RestoreSessions kept per Repository: as one finishes, older finished ones are deleted.
 * 0 keeps them all (as kube-controller-manager's --terminated-pod-gc-threshold=0 keeps every Pod).
 * @defaultValue 10
 */
export const DEFAULT_RESTORE_HISTORY_LIMIT = 10;

const schema = z.object({
  ...leaderElectedEnv(DEFAULTS),
  RESTORE_HISTORY_LIMIT: z.coerce.number().int().min(0).default(DEFAULT_RESTORE_HISTORY_LIMIT),
  /** The AWS credential chain's (IRSA's, Pod Identity's, the chart's webIdentity): the probe of a Secret without keys. */
  ...optionalVars(AWS_ENV_VARS),
});

/** Every variable the watcher reads; the Helm chart sets no other. */
export const ENV_VARS: readonly string[] = Object.keys(schema.shape);

export type WatcherConfig = ServiceConfig<typeof schema>;

/** The only reader of process.env for the watcher. */
export const loadConfig = (env: NodeJS.ProcessEnv): WatcherConfig => parseServiceEnv(schema, env);
