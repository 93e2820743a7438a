import { startTestEnv, type TestEnvInfo, toInfo } from "./testenv.js";

interface SetupContext {
  provide(key: "testenv", value: TestEnvInfo): void;
}

/**
 * vitest globalSetup: one set of real servers for the whole run; tests read it with
 * `inject("testenv")` and isolate themselves by namespace, bucket prefix and queue prefix.
 */
export default async function setup(ctx: SetupContext): Promise<() => Promise<void>> {
  const env = await startTestEnv();
  ctx.provide("testenv", toInfo(env));
  return () => env.stop();
}
