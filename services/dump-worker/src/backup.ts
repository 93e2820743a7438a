import { parseDuration } from "@kubedump/api";
import type { BackupJob, Job } from "@kubedump/queue";
import type { Logger } from "@kubedump/service";
import { loadBackup } from "./backup-load.js";
import { recordBackup } from "./backup-record.js";
import { runBackup } from "./backup-run.js";
import type { BackupDeps, BackupOutcome, BackupWork } from "./backup-types.js";
import { type Reconciler, reconcilerProcessor } from "./reconciler.js";
import { retryWhileApiAway } from "./record-retry.js";

/** One BackupSession as a reconciler: load → (Running) → snapshot and retention → status, Event, metrics. */
export function backupReconciler(deps: BackupDeps): Reconciler<BackupJob, BackupWork, BackupOutcome> {
  return {
    what: "backup",
    logFields: (data) => ({ namespace: data.namespace, session: data.name }),
    load: (job) => loadBackup(deps, job),
    run: (work, ctx) => runBackup(deps, work, ctx),
    record: (job, report, log) => retryWhileApiAway(() => recordBackup(deps, job, report, log), log, deps.recordRetry),
    deadline: ({ ref, config }) =>
      config.spec.timeOut === undefined
        ? undefined
        : {
            ms: parseDuration(config.spec.timeOut),
            message: `the backup did not finish within spec.timeOut ${config.spec.timeOut} of BackupConfiguration ${ref.namespace}/${config.metadata.name}`,
          },
    release: (work) => work.lock.release(),
  };
}

/** The BullMQ processor of kubedump-backups: each job is one BackupSession. */
export function createBackupProcessor(deps: BackupDeps & { log: Logger }): (job: Job<BackupJob>) => Promise<string> {
  return reconcilerProcessor(backupReconciler(deps), { log: deps.log });
}
