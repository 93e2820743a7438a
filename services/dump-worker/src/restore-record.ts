import { ConditionReason, ConditionType, MAX_LISTED_FAILURES, type RestoreSession } from "@kubedump/api";
import { pushRestoreMetrics } from "@kubedump/metrics";
import { InvalidSpecError, type Job, type RestoreJob } from "@kubedump/queue";
import { IntegrityError } from "@kubedump/repository";
import { type OutcomeCounts, objectNameOf } from "@kubedump/restore";
import type { Logger } from "@kubedump/service";
import type { Report } from "./reconciler.js";
import { getRestoreSession, RestoreSnapshotNotFoundError, restoreRefOf } from "./restore-load.js";
import type { RestoreJobDeps, RestoreOutcome, RestoreWork } from "./restore-types.js";
import { isoSeconds, recordSessionEvent, writeSessionStatus } from "./session-status.js";

/**
 * Record: Running when the work starts; at the end the RestoreSession's status (counts, the first
 * failures, warnings, the Restored condition), an Event on it and the metrics. Failed when the
 * restore could not run: the snapshot missing or damaged, the repository or cluster unreachable.
 */
export async function recordRestore(
  deps: RestoreJobDeps,
  job: Job<RestoreJob>,
  report: Report<RestoreWork, RestoreOutcome>,
  log: Logger,
): Promise<void> {
  switch (report.kind) {
    case "started":
      return writeSessionStatus(deps.client, report.work.ref, {
        phase: "Running",
        startTime: isoSeconds(report.work.start),
        snapshot: report.work.snapshotId,
      });
    case "finished":
      return recordFinished(deps, report.work, report.outcome, log);
    case "failed":
      if (report.final) await recordFailed(deps, job, report, log);
  }
}

const nowOf = (deps: RestoreJobDeps): Date => (deps.now ?? (() => new Date()))();

async function recordFinished(
  deps: RestoreJobDeps,
  work: RestoreWork,
  outcome: RestoreOutcome,
  log: Logger,
): Promise<void> {
  const { ref, session, start, snapshotId } = work;
  const { report } = outcome;
  const end = nowOf(deps);
  const counts = report.totals();
  const failed = report.failures();
  const listed = failed.slice(0, MAX_LISTED_FAILURES).map((e) => ({
    type: e.type,
    ...(e.namespace === undefined ? {} : { namespace: e.namespace }),
    name: e.name,
    reason: e.reason ?? "",
  }));
  const ok = outcome.phase === "Succeeded";
  const dry = report.dryRun ? " (dry run: nothing was kept)" : "";
  const message = `snapshot ${snapshotId}: ${describeCounts(counts)}${dry}${
    failed.length
      ? `; failed: ${failed
          .slice(0, 3)
          .map((e) => `${e.type} ${objectNameOf(e)}`)
          .join(", ")}`
      : ""
  }`;
  const reason = ok ? ConditionReason.RestoreSucceeded : ConditionReason.RestorePartiallyFailed;
  await writeSessionStatus(
    deps.client,
    ref,
    {
      phase: outcome.phase,
      startTime: isoSeconds(start),
      completionTime: isoSeconds(end),
      snapshot: snapshotId,
      ...(outcome.progress && { progress: outcome.progress }),
      counts,
      failures: listed,
      failuresTruncated: failed.length - listed.length,
      warnings: report.warnings,
    },
    {
      previous: session.status?.conditions,
      next: { type: ConditionType.Restored, status: ok ? "True" : "False", reason, message },
    },
  );
  await event(deps, session, { type: ok ? "Normal" : "Warning", reason, message }, log);
  await pushMetrics(deps, log, work.repositoryName, session, { success: ok, start, end, counts });
}

async function recordFailed(
  deps: RestoreJobDeps,
  job: Job<RestoreJob>,
  report: Extract<Report<RestoreWork, RestoreOutcome>, { kind: "failed" }>,
  log: Logger,
): Promise<void> {
  const { work, error } = report;
  const ref = restoreRefOf(job);
  const session = work?.session ?? (await getRestoreSession(deps, ref).catch(() => undefined));
  if (!session) return;
  const started = session.status?.startTime;
  const start = work?.start ?? (started ? new Date(started) : nowOf(deps));
  const end = nowOf(deps);
  const reason = reasonOf(error);
  await writeSessionStatus(
    deps.client,
    ref,
    {
      phase: "Failed",
      startTime: isoSeconds(start),
      completionTime: isoSeconds(end),
      ...(work ? { snapshot: work.snapshotId } : {}),
    },
    {
      previous: session.status?.conditions,
      next: { type: ConditionType.Restored, status: "False", reason, message: error.message },
    },
  );
  await event(deps, session, { type: "Warning", reason, message: error.message }, log);
  await pushMetrics(deps, log, session.spec.repository.name, session, { success: false, start, end });
}

function reasonOf(error: Error): ConditionReason {
  if (error instanceof RestoreSnapshotNotFoundError) return ConditionReason.SnapshotNotFound;
  if (error instanceof InvalidSpecError) return ConditionReason.InvalidSpec;
  if (error instanceof IntegrityError) return ConditionReason.IntegrityCheckFailed;
  return ConditionReason.RestoreFailed;
}

const describeCounts = (counts: OutcomeCounts): string =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(", ") || "no objects";

function event(
  deps: RestoreJobDeps,
  session: RestoreSession,
  e: { type: "Normal" | "Warning"; reason: string; message: string },
  log: Logger,
): Promise<void> {
  return recordSessionEvent(deps, { kind: "RestoreSession", metadata: session.metadata }, e, log);
}

/** Pushes the session's metrics to its own group; a push failure is logged, never fatal. */
async function pushMetrics(
  deps: RestoreJobDeps,
  log: Logger,
  repository: string,
  session: RestoreSession,
  o: { success: boolean; start: Date; end: Date; counts?: OutcomeCounts },
): Promise<void> {
  if (!deps.metrics) return;
  try {
    await pushRestoreMetrics({
      gatewayUrl: deps.metrics.gatewayUrl,
      token: deps.metrics.token,
      retryForMs: deps.metrics.retryForMs,
      labels: { namespace: session.metadata.namespace ?? "", session: session.metadata.name ?? "", repository },
      values: {
        sessionSuccess: o.success,
        sessionDurationSeconds: Math.max(0, o.end.getTime() - o.start.getTime()) / 1000,
        objects: o.counts,
      },
    });
  } catch (err) {
    log.warn({ err }, "pushing restore metrics to the gateway failed");
  }
}
