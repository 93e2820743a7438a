import { createLogger, runService } from "@kubedump/service";
import { createApp } from "./app.js";
import { loadConfig } from "./config.js";

await runService("metrics-gateway", () => {
  const config = loadConfig(process.env);
  const log = createLogger("metrics-gateway", config.LOG_LEVEL);
  return { app: createApp({ config, log }), log };
});
