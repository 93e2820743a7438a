export { COMMON_ENV, ConfigError, LEADER_ENV, parseEnv, port } from "./env.js";
export { createRegistry, type HealthServer, type HealthServerOptions, startHealthServer } from "./http.js";
export { type Closable, closeAll, exitOnSignals, runService } from "./lifecycle.js";
export { createLogger, type Logger } from "./logger.js";
export { createLeadership, type Leadership, type LeadershipOptions } from "./leadership.js";
export { createServiceShell, type ServiceShell, type ServiceShellOptions } from "./shell.js";
