import { type LeaderElectedServiceConfig, leaderElectedConfig } from "@kubedump/service/env";

/** The watcher's own defaults; its other variables are every leader-elected service's (leaderElectedEnv). */
export const DEFAULTS = { httpPort: 8080, leaseName: "kubedump-watcher", resyncSeconds: 60 } as const;

/** ENV_VARS: every variable the watcher reads (the Helm chart sets no other); loadConfig: the only reader of process.env. */
export const { ENV_VARS, loadConfig } = leaderElectedConfig(DEFAULTS);

export type WatcherConfig = LeaderElectedServiceConfig;
