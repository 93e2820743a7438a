export { createApp, type GatewayAddress, type GatewayDeps, type MetricsGateway } from "./app.js";
export { type GatewayConfig, loadConfig } from "./config.js";
export { QUEUE_NAMES, QUEUE_STATES } from "./queue-depth.js";
