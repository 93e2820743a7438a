// Helpers shared by this service's tests; excluded from the build (tsconfig.build.json).
import { type Clock, createKubeClient, type KubeClient } from "@kubedump/kube";
import { createRedis, type QueueName } from "@kubedump/queue";
import { createLogger } from "@kubedump/service";
import type { TestEnvInfo } from "@kubedump/testenv";
import { ensureNamespace } from "../../../packages/kube/src/test-support.js";
import { afterAll, beforeAll } from "vitest";
import { installCrds } from "../../../test/e2e/harness.js";
import type { TestNamespace } from "../../../test/e2e/test-namespace.js";
import type { ControllerDeps } from "./controller.js";
import { CONTROLLERS } from "./controllers/index.js";
import { type ControllerManager, type ManagerOptions, startControllers } from "./manager.js";
import { createRepositoryProbe } from "./probe.js";
import { createQueueRegistry, type QueueRegistry } from "./queues.js";

export interface ManualClock extends Clock {
  /** Every sleep asked for, in ms, in order. */
  readonly sleeps: number[];
  /** Sleeps not yet over nor cancelled. */
  pending(): number;
  /** Moves time on by `ms`, waking each sleep that ends meanwhile (in time order) and letting it run. */
  advance(ms: number): Promise<void>;
}

/** A clock that stands still until advance(): tests decide when a delay is over. */
export function manualClock(start = 0): ManualClock {
  let now = start;
  const timers: { at: number; wake: () => void }[] = [];
  const sleeps: number[] = [];
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    sleeps,
    now: () => now,
    pending: () => timers.length,
    sleep(ms, signal) {
      sleeps.push(ms);
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = { at: now + ms, wake: resolve };
        timers.push(timer);
        signal?.addEventListener(
          "abort",
          () => {
            const i = timers.indexOf(timer);
            if (i >= 0) timers.splice(i, 1);
            reject(signal.reason);
          },
          { once: true },
        );
      });
    },
    async advance(ms) {
      const until = now + ms;
      await settle();
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > until) break;
        timers.shift();
        now = next.at;
        next.wake();
        await settle();
      }
      now = until;
      await settle();
    },
  };
}

export interface TestWatcher {
  client: KubeClient;
  queues: QueueRegistry;
  manager: ControllerManager;
  /** Stops the controllers and closes every connection. */
  stop(): Promise<void>;
}

/**
 * The watcher's own controllers on one namespace of the test servers, with the real repository
 * probe and queues under their own prefix; resolves once the caches are filled.
 */
export async function startTestWatcher(
  t: TestEnvInfo,
  namespace: string,
  { restoreHistoryLimit, ...opts }: Partial<ManagerOptions> & Pick<ControllerDeps, "restoreHistoryLimit"> = {},
): Promise<TestWatcher> {
  await installCrds(t);
  await ensureNamespace(t, namespace);
  const client = createKubeClient({ kubeconfig: t.kubeconfig });
  const redis = createRedis(t.redisUrl);
  const queues = createQueueRegistry({ connection: redis, prefix: `test-${namespace}` });
  const manager = startControllers(
    {
      client,
      log: createLogger(`watcher-${namespace}`, "silent"),
      queues,
      probeRepository: createRepositoryProbe(),
      restoreHistoryLimit,
    },
    { namespace, resyncMs: 0, ...opts },
    CONTROLLERS,
  );
  await manager.synced;
  return {
    client,
    queues,
    manager,
    async stop() {
      await manager.stop();
      await queues.close();
      redis.disconnect();
      client.close();
    },
  };
}

/**
 * For the tests of one file: the watcher's controllers (startTestWatcher) on the test's namespace,
 * which gets its Repository `repo`, from before the first test to after the last; returns the
 * queues they add jobs to.
 */
export function watchDuringTests(space: TestNamespace, opts: Partial<ManagerOptions> = {}): Pick<QueueRegistry, "get"> {
  let watcher: TestWatcher | undefined;
  beforeAll(async () => {
    watcher = await startTestWatcher(space.t, space.ns, opts);
    await space.setup();
  });
  afterAll(() => watcher?.stop());
  return {
    get<T>(name: QueueName) {
      if (!watcher) throw new Error("the watcher starts before the first test");
      return watcher.queues.get<T>(name);
    },
  };
}

// The watcher's tests read conditions as every end-to-end test does.
export { conditionOf, waitForCondition } from "../../../test/e2e/test-namespace.js";
