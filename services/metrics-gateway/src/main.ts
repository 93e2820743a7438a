import { pino } from "pino";
import { createApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";

/** How long shutdown may take before the process gives up on a clean exit. */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = pino({ name: "metrics-gateway", level: config.logLevel });
  const gateway = createApp({ config, logger });
  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("shutdown did not finish in time; exiting");
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    void gateway.close();
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
  await gateway.start();
}

main().catch((err: unknown) => {
  // Nothing has a logger yet, or start() failed: this is the one place the error is reported.
  const message =
    err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`metrics-gateway: ${message}\n`);
  process.exit(1);
});
