import { createAwsCredentialChain } from "@kubedump/repository";
import { createLogger, runService } from "@kubedump/service";
import { createRecorderApp } from "./app.js";
import { loadConfig } from "./config.js";
import { tuneV8ForRecorder } from "./v8-tuning.js";

await runService("recorder", () => {
  const config = loadConfig(process.env);
  tuneV8ForRecorder(config.HEAP_GROWING_PERCENT);
  const log = createLogger("recorder", config.LOG_LEVEL);
  return { app: createRecorderApp({ config, log, credentials: createAwsCredentialChain({ env: config }) }), log };
});
