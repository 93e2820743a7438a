import { createLogger, runService } from "@kubedump/service";
import { createConsoleApp } from "./app.js";
import { loadConfig } from "./config.js";

await runService("console", () => {
  const config = loadConfig(process.env);
  const log = createLogger("console", config.LOG_LEVEL);
  return { app: createConsoleApp({ config, log }), log };
});
