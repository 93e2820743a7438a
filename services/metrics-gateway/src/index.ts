export { createApp, type GatewayAddress, type GatewayDeps, type MetricsGateway } from "./app.js";
export {
  ConfigError,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_GATEWAY_KEY_PREFIX,
  DEFAULT_HOST,
  DEFAULT_LOG_LEVEL,
  DEFAULT_PORT,
  DEFAULT_QUEUE_PREFIX,
  type GatewayConfig,
  loadConfig,
  type LogLevel,
} from "./config.js";
export { QUEUE_NAMES, QUEUE_STATES } from "./queue-depth.js";
