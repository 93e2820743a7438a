import type { KubeClient } from "@kubedump/kube";
import type { Repository } from "@kubedump/repository";
import type { RestoreFilters } from "./filters.js";
import type { NamespaceMapping } from "./namespace-mapping.js";
import type { ObjectOutcome } from "./report.js";

/** What happens to an object that exists already. */
export type ExistingResourcePolicy = "none" | "update";

/** The field manager of every write: created objects, server-side applies and status. */
export const FIELD_MANAGER = "kubedump";

/**
 * Writes in flight: as many as the benchmark's seeder keeps to find the API server's write
 * ceiling. An API server on two cores creates about twice as fast with 48 creates in flight as
 * with 16 (docs/benchmarks.md, "Restore"). Give the client as many sockets (KubeClientOptions.maxSockets),
 * or the extra writes only queue in its pool.
 */
export const DEFAULT_CONCURRENCY = 48;
/** How long a restored CustomResourceDefinition may take to become Established. */
export const DEFAULT_ESTABLISH_TIMEOUT_MS = 60_000;
/** The pause before a pass retries the objects whose types the cluster did not serve yet. */
export const DEFAULT_PASS_DELAY_MS = 2_000;

export interface RestoreOptions {
  /** The filters of backup, applied to the snapshot's index (namespaces are the snapshot's). */
  filters?: RestoreFilters;
  /** Old namespace → new one, see mapNamespaces for what follows. */
  namespaceMappings?: NamespaceMapping;
  /**
   * none: an existing object is left as it is (`exists`, or `unchanged` when it already equals the
   * snapshot's); update: it is made equal by a forced server-side apply (`updated`, or `unchanged`).
   * @defaultValue "none"
   */
  existingResourcePolicy?: ExistingResourcePolicy;
  /** Every write is sent with dryRun=All: the API server validates and admits it and keeps nothing. */
  dryRun?: boolean;
  /** Leave objects whose controller owner is restored for that controller to recreate. */
  skipOwned?: boolean;
  /** Type keys (`resource[.group]`) whose status is written through the status subresource too. */
  restoreStatus?: readonly string[];
  /** See PrepareOptions. @defaultValue false */
  preserveNodePorts?: boolean;
  /** Writes in flight at once within a step; the client's QPS and burst bound them too. @defaultValue DEFAULT_CONCURRENCY */
  concurrency?: number;
  /** @defaultValue DEFAULT_ESTABLISH_TIMEOUT_MS */
  establishTimeoutMs?: number;
  /** @defaultValue DEFAULT_PASS_DELAY_MS */
  passDelayMs?: number;
}

/** Where a restore is, for a progress display: objects done of the total, and of the current step. */
export interface RestoreProgress {
  phase: "verifying" | "restoring" | "establishing";
  /** 1 for the first pass over the plan; more when objects waited for their types to be served. */
  pass: number;
  /** The current step, e.g. `configmaps` or `configmaps (owned, level 2)`; "" while verifying. */
  step: string;
  /** Steps of this pass finished, and all of them. */
  stepsDone: number;
  steps: number;
  stepObjectsDone: number;
  stepObjects: number;
  /** Objects with a final outcome (skipped ones included), of all the filters selected. */
  objectsDone: number;
  objects: number;
}

export interface RestoreDeps {
  client: KubeClient;
  repository: Repository;
  snapshotId: string;
  options?: RestoreOptions;
  onProgress?: (progress: RestoreProgress) => void;
  /** Called with every object's outcome as it is decided (the report keeps only counts of most). */
  onOutcome?: (outcome: ObjectOutcome) => void;
  /** Stops the restore between writes; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A progress line as a terminal shows it. */
export function describeProgress(p: RestoreProgress): string {
  if (p.phase === "verifying") return "verifying the snapshot";
  const pass = p.pass > 1 ? `pass ${p.pass}, ` : "";
  const step = `step ${Math.min(p.stepsDone + 1, p.steps)}/${p.steps} ${p.step} ${p.stepObjectsDone}/${p.stepObjects}`;
  const waiting = p.phase === "establishing" ? ", waiting for CustomResourceDefinitions to be Established" : "";
  return `${p.objectsDone}/${p.objects} objects — ${pass}${step}${waiting}`;
}
