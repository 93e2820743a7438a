import type { Logger } from "pino";

export interface Closable {
  close(): Promise<void>;
}

/** One step of closing: its name (for the log line when it fails) and what it does. */
export type Step = [string, () => Promise<void> | void];

/**
 * Runs each step in its own try/catch, in order, then logs "closed"; safe to call twice (the
 * second call waits for the first).
 */
export function closeAll(log: Logger, steps: Step[]): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      for (const [name, step] of steps) {
        try {
          await step();
        } catch (err) {
          log.error({ err, step: name }, `closing ${name} failed`);
        }
      }
      log.info("closed");
    })();
    return closing;
  };
}

/** SIGTERM/SIGINT → close(), then exit 0 (1 if closing threw). */
export function exitOnSignals(app: Closable, log: Logger): void {
  const stop = (signal: string) => {
    log.info({ signal }, "shutting down");
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

/** A service's main: builds the app (config errors end the process with exit 1 and one clear line), starts it, exits on signals. */
export async function runService(
  service: string,
  build: () => { app: Closable & { start(): Promise<unknown> }; log: Logger },
): Promise<void> {
  let built: ReturnType<typeof build>;
  try {
    built = build();
  } catch (err) {
    process.stderr.write(`${service}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  exitOnSignals(built.app, built.log);
  try {
    await built.app.start();
  } catch (err) {
    built.log.fatal({ err }, `${service} could not start`);
    await built.app.close().catch(() => {});
    process.exit(1);
  }
}
