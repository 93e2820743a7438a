import { createLogger, runService } from "@kubedump/service";
import { createDumpWorkerApp } from "./app.js";
import { applyRetention } from "./backup-retention.js";
import { loadConfig } from "./config.js";

await runService("dump-worker", () => {
  const config = loadConfig(process.env);
  const log = createLogger("dump-worker", config.LOG_LEVEL);
  return { app: createDumpWorkerApp({ config, log, applyRetention }), log };
});
