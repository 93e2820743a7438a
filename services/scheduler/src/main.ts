import { createLogger, runService } from "@kubedump/service";
import { createSchedulerApp } from "./app.js";
import { loadConfig } from "./config.js";

await runService("scheduler", () => {
  const config = loadConfig(process.env);
  const log = createLogger("scheduler", config.LOG_LEVEL);
  return { app: createSchedulerApp({ config, log }), log };
});
