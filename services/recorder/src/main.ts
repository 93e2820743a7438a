import { createAwsCredentialChain } from "@kubedump/repository";
import { createLogger, runService } from "@kubedump/service";
import { createRecorderApp } from "./app.js";
import { loadConfig } from "./config.js";

await runService("recorder", () => {
  const config = loadConfig(process.env);
  const log = createLogger("recorder", config.LOG_LEVEL);
  return { app: createRecorderApp({ config, log, credentials: createAwsCredentialChain({ env: config }) }), log };
});
