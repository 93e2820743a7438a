import { type BackupSession, ConditionReason, ConditionType, formatBytes } from "@kubedump/api";
import { type BackupJob, InvalidSpecError, type Job } from "@kubedump/queue";
import type { Logger } from "@kubedump/service";
import { getConfig, getSession, sessionRefOf } from "./backup-load.js";
import { reportMetrics } from "./backup-metrics.js";
import type { BackupDeps, BackupOutcome, BackupWork, RetentionRun } from "./backup-types.js";
import { JobTimedOutError, type Report } from "./reconciler.js";
import { updateRepositoryStatus } from "./repository-status.js";
import { finishedAt, isoSeconds, recordSessionEvent, type SessionRef, writeSessionStatus } from "./session-status.js";

type Committed = Exclude<BackupOutcome, { phase: "Skipped" }>;

/**
 * Record: Running when the work starts; at the end the BackupSession's status and condition, an
 * Event on it, the Repository's status and the metrics. A failure is recorded only when final.
 */
export async function recordBackup(
  deps: BackupDeps,
  job: Job<BackupJob>,
  report: Report<BackupWork, BackupOutcome>,
  log: Logger,
): Promise<void> {
  switch (report.kind) {
    case "started":
      return writeSessionStatus(deps.client, report.work.ref, {
        phase: "Running",
        startTime: isoSeconds(report.work.start),
      });
    case "finished":
      if (report.outcome.phase === "Skipped") return recordSkipped(deps, report.work, report.outcome.holder, log);
      return recordCommitted(deps, report.work, report.outcome, log);
    case "failed":
      if (report.final) await recordFailed(deps, sessionRefOf(job), report, log);
  }
}

const nowOf = (deps: BackupDeps): Date => (deps.now ?? (() => new Date()))();

async function recordSkipped(deps: BackupDeps, work: BackupWork, holder: string, log: Logger): Promise<void> {
  const { ref, session, config } = work;
  const message = `another backup of BackupConfiguration ${ref.namespace}/${config.metadata.name} is running (BackupSession uid ${holder})`;
  const reason = ConditionReason.AnotherBackupRunning;
  await writeSessionStatus(
    deps.client,
    ref,
    { phase: "Skipped", ...finishedAt(work.start, nowOf(deps)) },
    {
      previous: session.status?.conditions,
      next: { type: ConditionType.SnapshotCommitted, status: "False", reason, message },
    },
  );
  await sessionEvent(deps, session, { type: "Normal", reason, message }, log);
  log.info(`backup skipped: ${message}`);
}

async function recordCommitted(deps: BackupDeps, work: BackupWork, outcome: Committed, log: Logger): Promise<void> {
  const { ref, session, config, start } = work;
  const { manifest, retention } = outcome;
  const removed = retention.removed;
  const end = nowOf(deps);
  const repository = config.spec.repository.name;
  const totals = await updateRepositoryStatus(
    deps.client,
    work.repository,
    { namespace: ref.namespace, name: repository },
    removed.length,
  );
  const message = `snapshot ${manifest.id}: ${manifest.objects} objects${manifest.warnings.length ? `; warnings: ${manifest.warnings.join("; ")}` : ""}${lockedNote(retention)}`;
  const reason = ConditionReason.SnapshotCommitted;
  const snapshot = {
    id: manifest.id,
    objects: manifest.objects,
    totalSize: formatBytes(manifest.bytes),
    uploaded: formatBytes(manifest.storedBytes),
  };
  await writeSessionStatus(
    deps.client,
    ref,
    {
      phase: outcome.phase,
      startTime: isoSeconds(start),
      ...finishedAt(start, end),
      warnings: manifest.warnings,
      snapshot,
    },
    {
      previous: session.status?.conditions,
      next: { type: ConditionType.SnapshotCommitted, status: "True", reason, message },
    },
  );
  await sessionEvent(deps, session, { type: manifest.warnings.length ? "Warning" : "Normal", reason, message }, log);
  await reportMetrics(deps, log, {
    namespace: ref.namespace,
    configName: config.metadata.name ?? "",
    repository,
    success: true,
    start,
    end,
    objects: manifest.objects,
    bytes: manifest.bytes,
    uploaded: manifest.storedBytes,
    snapshotCount: totals.snapshotCount,
    repositoryBytes: totals.totalSizeBytes,
    cleaned: removed.length,
  });
}

/** Failed, with the reason: TimedOut, InvalidSpec, or BackupFailed. The session is read again when load failed. */
async function recordFailed(
  deps: BackupDeps,
  ref: SessionRef,
  report: Extract<Report<BackupWork, BackupOutcome>, { kind: "failed" }>,
  log: Logger,
): Promise<void> {
  const { work, error } = report;
  const session = work?.session ?? (await getSession(deps.client, ref));
  if (!session) return;
  const configName = session.spec.invoker.name;
  const started = session.status?.startTime;
  const start = work?.start ?? (started ? new Date(started) : nowOf(deps));
  const end = nowOf(deps);
  const reason = reasonOf(error);
  await writeSessionStatus(
    deps.client,
    ref,
    { phase: "Failed", startTime: isoSeconds(start), ...finishedAt(start, end) },
    {
      previous: session.status?.conditions,
      next: { type: ConditionType.SnapshotCommitted, status: "False", reason, message: error.message },
    },
  );
  await sessionEvent(deps, session, { type: "Warning", reason, message: error.message }, log);
  const repository =
    work?.config.spec.repository.name ??
    (await getConfig(deps.client, ref, configName).then(
      (c) => c.spec.repository.name,
      () => "",
    ));
  await reportMetrics(deps, log, { namespace: ref.namespace, configName, repository, success: false, start, end });
}

function reasonOf(error: Error): ConditionReason {
  if (error instanceof JobTimedOutError) return ConditionReason.TimedOut;
  if (error instanceof InvalidSpecError) return ConditionReason.InvalidSpec;
  return ConditionReason.BackupFailed;
}

/** An Event on the BackupSession, as `kubectl describe backupsession` shows it. */
function sessionEvent(
  deps: BackupDeps,
  session: BackupSession,
  e: { type: "Normal" | "Warning"; reason: string; message: string },
  log: Logger,
): Promise<void> {
  return recordSessionEvent(deps, { kind: "BackupSession", metadata: session.metadata }, e, log);
}

/** `; retention left 2 snapshots locked by S3 Object Lock: <id> until <time>, …`; "" when none. */
function lockedNote({ locked }: RetentionRun): string {
  if (locked.length === 0) return "";
  const list = locked.map(({ id, retainUntil }) => `${id} until ${retainUntil}`).join(", ");
  return `; retention left ${locked.length} snapshot${locked.length === 1 ? "" : "s"} locked by S3 Object Lock: ${list}`;
}
