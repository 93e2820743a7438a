import type { Job, RestoreJob } from "@kubedump/queue";
import type { Logger } from "@kubedump/service";
import { type Reconciler, reconcilerProcessor } from "./reconciler.js";
import { retryWhileApiAway } from "./record-retry.js";
import { loadRestore } from "./restore-load.js";
import { recordRestore } from "./restore-record.js";
import { runRestore } from "./restore-run.js";
import type { RestoreJobDeps, RestoreOutcome, RestoreWork } from "./restore-types.js";

/** One RestoreSession as a reconciler: load (resolve the snapshot) → (Running) → restore → status, Event, metrics. */
export function restoreReconciler(deps: RestoreJobDeps): Reconciler<RestoreJob, RestoreWork, RestoreOutcome> {
  return {
    what: "restore",
    logFields: (data) => ({ namespace: data.namespace, restoreSession: data.name }),
    load: (job) => loadRestore(deps, job),
    run: (work, ctx) => runRestore(deps, work, ctx),
    record: (job, report, log) => retryWhileApiAway(() => recordRestore(deps, job, report, log), log, deps.recordRetry),
  };
}

/** The BullMQ processor of kubedump-restores: each job is one RestoreSession. */
export function createRestoreProcessor(
  deps: RestoreJobDeps & { log: Logger },
): (job: Job<RestoreJob>) => Promise<string> {
  return reconcilerProcessor(restoreReconciler(deps), { log: deps.log });
}
