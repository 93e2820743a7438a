import { type LeaderElectedServiceConfig, leaderElectedConfig } from "@kubedump/service/env";

/** The scheduler's own defaults; its other variables are every leader-elected service's (leaderElectedEnv). */
export const DEFAULTS = { httpPort: 8081, leaseName: "kubedump-scheduler", resyncSeconds: 300 } as const;

/** ENV_VARS: every variable the scheduler reads (the Helm chart sets no other); loadConfig: the only reader of process.env. */
export const { ENV_VARS, loadConfig } = leaderElectedConfig(DEFAULTS);

export type SchedulerConfig = LeaderElectedServiceConfig;
