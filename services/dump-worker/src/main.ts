import { tuneV8ForDumps } from "@kubedump/dump";
import { createLogger, runService } from "@kubedump/service";
import { createDumpWorkerApp } from "./app.js";
import { loadConfig } from "./config.js";
import { applyRetention } from "./backup-retention.js";

tuneV8ForDumps();
await runService("dump-worker", () => {
  const config = loadConfig(process.env);
  const log = createLogger("dump-worker", config.LOG_LEVEL);
  return { app: createDumpWorkerApp({ config, log, applyRetention }), log };
});
