// The dump benchmark's cleanup (test/bench/dump.mjs): every server and child it started, also on Ctrl-C.
import { rmSync } from "node:fs";

/**
 * Removes `work` at the end and stops what it was told of: the test environment, the child
 * running now (`track`, as runMeasurement and runCollecting take it) and an env file. Also on
 * SIGINT and SIGTERM, which then exit 130. `cleanup()` does its work once however often called.
 */
export function createCleanup({ work, log }) {
  let env;
  let envFile;
  let activeChild;
  let cleaningUp = false;
  async function cleanup() {
    if (cleaningUp) return;
    cleaningUp = true;
    if (activeChild && activeChild.exitCode === null) {
      try {
        process.kill(activeChild.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (env) {
      log("stopping the test environment");
      await env.stop();
    }
    rmSync(work, { recursive: true, force: true });
    if (envFile) rmSync(envFile, { force: true });
  }
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      log(`${signal}: cleaning up`);
      cleanup().finally(() => process.exit(130));
    });
  }
  return {
    cleanup,
    track: (c) => {
      activeChild = c;
    },
    /** The test environment this process started: stopped at the end. */
    stopAtEnd: (e) => {
      env = e;
    },
    /** A file written for the user: removed at the end. */
    removeAtEnd: (file) => {
      envFile = file;
    },
  };
}
