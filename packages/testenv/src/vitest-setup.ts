import { join } from "node:path";
import { scanRunForSecrets, writeSecretScan } from "./secret-scan.js";
import { startTestEnv, type TestEnvInfo, toInfo } from "./testenv.js";

interface SetupContext {
  provide(key: "testenv", value: TestEnvInfo): void;
}

/** Where the end-of-run Secret scan goes; scripts/check-secret-scan.mjs fails the run on a finding. */
const SECRET_SCAN_REPORT = join("test-results", "secret-scan.json");

/**
 * vitest globalSetup: one set of real servers for the whole run; tests read it with
 * `inject("testenv")` and isolate themselves by namespace, bucket prefix and queue prefix. At the
 * end, before the servers stop, every log the run wrote and every Event is scanned for the values
 * of every Secret (a teardown's error does not fail a vitest run: the report does, in npm test).
 */
export default async function setup(ctx: SetupContext): Promise<() => Promise<void>> {
  const env = await startTestEnv();
  ctx.provide("testenv", toInfo(env));
  return async () => {
    try {
      const scan = await scanRunForSecrets(toInfo(env));
      writeSecretScan(SECRET_SCAN_REPORT, scan);
    } catch (err) {
      process.stderr.write(`testenv: the Secret scan failed: ${(err as Error).message}\n`);
    } finally {
      await env.stop();
    }
  };
}
