import { type KubedumpKind, resourceTypeOf } from "@kubedump/api";
import { cacheKey, createInformer, type Informer, type KubeObject } from "@kubedump/kube";
import {
  type Controller,
  type ControllerDeps,
  type ControllerFactory,
  generationChanged,
  type ObjectCache,
  type ObjectKey,
} from "./controller.js";
import { WorkQueue, type WorkQueueOptions } from "./work-queue.js";

/**
 * Reconciles of one kind that run at once (never two for one key).
 * @defaultValue 4
 */
export const DEFAULT_WORKERS = 4;

/** The clock and delays of the work queues (retry backoff, requeue-after); the informers keep real time. */
export interface ManagerOptions extends WorkQueueOptions {
  /** One namespace; omitted: all of them. */
  namespace?: string;
  /** Every cached object is queued again this often (0: never). */
  resyncMs: number;
  workers?: number;
}

export interface ControllerManager {
  /** True once every informer has its first list in the cache (reconciles start then). */
  hasSynced(): boolean;
  readonly synced: Promise<void>;
  /** Stops the informers and the queues, and waits for reconciles under way. Safe twice. */
  stop(): Promise<void>;
}

interface Running {
  controller: Controller;
  informer: Informer;
  queue: WorkQueue;
}

const keyOf = (o: KubeObject) => cacheKey(o.metadata.name, o.metadata.namespace);
function parseKey(key: string): ObjectKey {
  const slash = key.indexOf("/");
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * The watcher's controllers, as controller-runtime runs them: per kind an informer that puts the
 * keys of changed objects on a de-duplicating work queue, and workers that reconcile each key with
 * the object as the cache holds it then. Done: forget the key. Requeue: look again after the delay.
 * Error: logged once here, retried with capped exponential backoff for that key.
 */
export function startControllers(
  deps: Omit<ControllerDeps, "cache">,
  opts: ManagerOptions,
  factories: readonly ControllerFactory[],
): ControllerManager {
  const byKind = new Map<KubedumpKind, Running>();
  const cache = (kind: KubedumpKind): ObjectCache => {
    const running = byKind.get(kind);
    if (!running) throw new Error(`no controller watches ${kind}, so there is no cache of it`);
    return {
      get: (namespace, name) => running.informer.get(name, namespace),
      list: () => running.informer.list(),
    };
  };
  for (const factory of factories) {
    const controller = factory({ ...deps, cache });
    const queue = new WorkQueue(opts);
    byKind.set(controller.kind, { controller, queue, informer: watch(controller, queue) });
  }

  function watch(controller: Controller, queue: WorkQueue): Informer {
    const add = (o: KubeObject) => queue.add(keyOf(o));
    const wants = controller.wants ?? generationChanged;
    return createInformer({
      client: deps.client,
      rt: resourceTypeOf(controller.kind),
      namespace: opts.namespace,
      resyncMs: opts.resyncMs,
      onAdd: add,
      onUpdate: (old, obj) => (wants(old, obj) ? add(obj) : undefined),
      onDelete: add,
      onResync: (all) => {
        for (const o of all) add(o);
      },
      onError: (err) => deps.log.warn({ kind: controller.kind, err: err.message }, "informer restarting"),
    });
  }

  async function reconcileKey({ controller, informer, queue }: Running, key: string): Promise<void> {
    const ref = parseKey(key);
    try {
      const result = await controller.reconcile(ref, informer.get(ref.name, ref.namespace));
      queue.forget(key);
      if (result.outcome === "requeue") queue.addAfter(key, result.afterMs);
    } catch (err) {
      const retryInMs = queue.addRateLimited(key);
      deps.log.error(
        { err, kind: controller.kind, ...ref, attempt: queue.retries(key), retryInMs },
        `reconciling ${controller.kind} ${key} failed`,
      );
    }
  }

  async function work(running: Running): Promise<void> {
    for (let key = await running.queue.get(); key !== undefined; key = await running.queue.get()) {
      try {
        await reconcileKey(running, key);
      } finally {
        running.queue.done(key);
      }
    }
  }

  const all = [...byKind.values()];
  for (const r of all) r.informer.start();
  const synced = Promise.all(all.map((r) => r.informer.synced)).then(() => undefined);
  synced.catch(() => {}); // stopped before the caches filled: nobody need wait for it
  // Like controller-runtime, no reconcile before every cache is filled: controllers read each other's.
  const workers = synced.then(
    () => Promise.all(all.flatMap((r) => Array.from({ length: opts.workers ?? DEFAULT_WORKERS }, () => work(r)))),
    () => [],
  );
  let stopping: Promise<void> | undefined;
  return {
    synced,
    hasSynced: () => all.every((r) => r.informer.hasSynced()),
    stop() {
      stopping ??= (async () => {
        await Promise.all(all.map((r) => r.informer.stop()));
        for (const r of all) r.queue.shutDown();
        await workers;
      })();
      return stopping;
    },
  };
}
