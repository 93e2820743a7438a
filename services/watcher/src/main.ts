import { createAwsCredentialChain } from "@kubedump/repository";
import { createLogger, runService } from "@kubedump/service";
import { createWatcherApp } from "./app.js";
import { loadConfig } from "./config.js";
import { createRepositoryProbe } from "./probe.js";

await runService("watcher", () => {
  const config = loadConfig(process.env);
  const log = createLogger("watcher", config.LOG_LEVEL);
  const probeRepository = createRepositoryProbe(Date.now, createAwsCredentialChain({ env: config }));
  return { app: createWatcherApp({ config, log, probeRepository }), log };
});
