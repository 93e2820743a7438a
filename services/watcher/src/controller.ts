import type { KubedumpKind } from "@kubedump/api";
import type { KubeClient, KubeObject } from "@kubedump/kube";
import type { Logger } from "@kubedump/service";
import type { QueueRegistry } from "./queues.js";
import type { RepositoryProbe } from "./probe.js";

/** Which object a reconcile is for. */
export interface ObjectKey {
  namespace: string;
  name: string;
}

/**
 * What a reconcile asks for next (controller-runtime's `reconcile.Result`): nothing until the object
 * changes, or another look after a delay. A thrown error means: retry with backoff.
 */
export type ReconcileResult = { outcome: "done" } | { outcome: "requeue"; afterMs: number };

export const done = (): ReconcileResult => ({ outcome: "done" });
export const requeueAfter = (ms: number): ReconcileResult => ({ outcome: "requeue", afterMs: ms });

/** The informer caches the controllers share: read them instead of asking the API server. */
export interface ObjectCache {
  get(namespace: string, name: string): KubeObject | undefined;
  list(): KubeObject[];
}

export interface ControllerDeps {
  client: KubeClient;
  log: Logger;
  /** BullMQ queues by name, made on first use and closed with the watcher. */
  queues: QueueRegistry;
  probeRepository: RepositoryProbe;
  /** The cache of a kind a controller watches; throws for another kind. */
  cache(kind: KubedumpKind): ObjectCache;
  /** Finished RestoreSessions kept per Repository (RESTORE_HISTORY_LIMIT; 0: all). @defaultValue DEFAULT_RESTORE_HISTORY_LIMIT */
  restoreHistoryLimit?: number;
}

/** One kind's reconciler. Adding a kind: a file in controllers/ and an entry in CONTROLLERS. */
export interface Controller {
  readonly kind: KubedumpKind;
  /**
   * Whether a change the informer saw needs a reconcile (adds, deletes and resyncs always do).
   * @defaultValue generationChanged: a change of status or metadata alone, often our own write, is no reason
   */
  wants?(old: KubeObject, obj: KubeObject): boolean;
  /**
   * Makes the world match the object as it is now (undefined: it was deleted). Level-triggered and
   * safe to run twice; never run twice at once for one key. Throws to be retried with backoff.
   */
  reconcile(key: ObjectKey, obj: KubeObject | undefined): Promise<ReconcileResult>;
}

export type ControllerFactory = (deps: ControllerDeps) => Controller;

export const generationChanged = (old: KubeObject, obj: KubeObject): boolean =>
  old.metadata.generation !== obj.metadata.generation;

/** metadata.generation, which the API server bumps on every change of the spec. */
export const generationOf = (obj: KubeObject): number | undefined =>
  typeof obj.metadata.generation === "number" ? obj.metadata.generation : undefined;
