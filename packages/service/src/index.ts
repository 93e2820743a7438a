export {
  COMMON_ENV,
  ConfigError,
  identityOf,
  LEADER_ENV,
  type LeaderElectedDefaults,
  type LeaderElectedServiceConfig,
  leaderElectedConfig,
  leaderElectedEnv,
  type EnvCheck,
  type ParseEnvOptions,
  parseEnv,
  parseRedisEnv,
  parseServiceEnv,
  port,
  type ServiceConfig,
} from "./env.js";
export { createRegistry, type HealthRoutes } from "./http.js";
export {
  createLeaderElectedApp,
  type LeaderElectedApp,
  type LeaderElectedAppOptions,
  type LeaderElectedConfig,
} from "./leader-elected-app.js";
export { createLeadership, type Leadership, type LeadershipOptions } from "./leadership.js";
export { type Closable, closeAll, exitOnSignals, runService, type Step } from "./lifecycle.js";
export { createLogger, type Logger } from "./logger.js";
export { createServiceShell, type ServiceShell, type ServiceShellOptions } from "./shell.js";
