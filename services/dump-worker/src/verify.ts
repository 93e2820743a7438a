import type { Job, VerifyJob } from "@kubedump/queue";
import type { Logger } from "@kubedump/service";
import { type Reconciler, reconcilerProcessor } from "./reconciler.js";
import { loadVerify } from "./verify-load.js";
import { recordVerify } from "./verify-record.js";
import { runVerify } from "./verify-run.js";
import type { VerifyDeps, VerifyOutcome, VerifyWork } from "./verify-types.js";

/** One scheduled verification of a Repository as a reconciler: load → check every snapshot → status, Event, metric. */
export function verifyReconciler(deps: VerifyDeps): Reconciler<VerifyJob, VerifyWork, VerifyOutcome> {
  return {
    what: "verify",
    logFields: (data) => ({ namespace: data.namespace, repository: data.name }),
    load: (job) => loadVerify(deps, job),
    run: (work, ctx) => runVerify(work, ctx),
    record: (job, report, log) => recordVerify(deps, job, report, log),
  };
}

/** The BullMQ processor of kubedump-verify: each job verifies one Repository. */
export function createVerifyProcessor(deps: VerifyDeps & { log: Logger }): (job: Job<VerifyJob>) => Promise<string> {
  return reconcilerProcessor(verifyReconciler(deps), { log: deps.log });
}
