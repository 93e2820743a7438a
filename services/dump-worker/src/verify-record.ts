import { ConditionReason, crPath } from "@kubedump/api";
import { isNotFound, type KubeObject, patchStatus, recordEvent } from "@kubedump/kube";
import { backupJobKey, pushRepositoryIntegrity } from "@kubedump/metrics";
import type { Job, VerifyJob } from "@kubedump/queue";
import type { Logger } from "@kubedump/service";
import type { Report } from "./reconciler.js";
import { isoSeconds } from "./session-status.js";
import type { VerifyDeps, VerifyOutcome, VerifyWork } from "./verify-types.js";

const COMPONENT = "kubedump-dump-worker";
/** Problems listed per damaged snapshot in the summary; the rest are counted. */
const MAX_PROBLEMS = 3;
/** status.verifySummary is cut here, so a repository with many damaged snapshots keeps a small status. */
const MAX_SUMMARY = 4096;

/**
 * Record: the outcome goes to the Repository's status (integrity, lastVerifyTime, verifySummary),
 * to the metrics gateway (kubedump_repository_integrity) and, when damage was found, into a
 * Warning Event naming each damaged snapshot. A verification that could not run (final failure)
 * leaves the status of the last one and records a Warning Event saying why.
 */
export async function recordVerify(
  deps: VerifyDeps,
  job: Job<VerifyJob>,
  report: Report<VerifyWork, VerifyOutcome>,
  log: Logger,
): Promise<void> {
  if (report.kind === "finished") return recordOutcome(deps, report.work, report.outcome, log);
  if (report.kind === "failed" && report.final) return recordFailure(deps, job.data, report.error, log);
}

/**
 * `5 snapshots checked (1 read in full): no damage found` (format 2: `(3 of 10 packs read in full)`),
 * or the damaged ones, one line each.
 */
function verifySummary(o: VerifyOutcome): string {
  const read = o.packs ? `${o.packs.read} of ${o.packs.total} packs read in full` : `${o.read} read in full`;
  const checked = `${o.snapshots} snapshot${o.snapshots === 1 ? "" : "s"} checked (${read})`;
  if (!o.damaged.length) return `${checked}: no damage found`;
  const lines = o.damaged.map(({ id, problems }) => {
    const more = problems.length > MAX_PROBLEMS ? ` (and ${problems.length - MAX_PROBLEMS} more)` : "";
    return `${id}: ${problems.slice(0, MAX_PROBLEMS).join("; ")}${more}`;
  });
  const text = [`${checked}: ${o.damaged.length} damaged`, ...lines].join("\n");
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text;
}

async function recordOutcome(deps: VerifyDeps, work: VerifyWork, outcome: VerifyOutcome, log: Logger) {
  const { namespace, name } = work.ref;
  const integrity = outcome.phase === "Intact";
  const summary = verifySummary(outcome);
  const now = (deps.now ?? (() => new Date()))();
  await patchStatus(deps.client, crPath("Repository", namespace, name), {
    integrity,
    lastVerifyTime: isoSeconds(now),
    verifySummary: summary,
  });
  if (integrity)
    log.info({ snapshots: outcome.snapshots, read: outcome.read }, `Repository ${namespace}/${name}: ${summary}`);
  else {
    log.warn({ damaged: outcome.damaged.map((d) => d.id) }, `Repository ${namespace}/${name} failed verification`);
    const object = work.object as unknown as KubeObject;
    await repositoryEvent(deps, object, ConditionReason.IntegrityCheckFailed, summary, now, log);
  }
  await pushIntegrity(deps, work.ref, integrity, log);
}

async function recordFailure(deps: VerifyDeps, ref: VerifyJob, error: Error, log: Logger): Promise<void> {
  let object: KubeObject;
  try {
    object = await deps.client.get<KubeObject>(crPath("Repository", ref.namespace, ref.name));
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  const message = `the verification could not run: ${error.message}`;
  await repositoryEvent(deps, object, ConditionReason.VerifyFailed, message, (deps.now ?? (() => new Date()))(), log);
}

/** A Warning Event on the Repository; a failure to write it is only logged. */
async function repositoryEvent(
  deps: VerifyDeps,
  object: KubeObject,
  reason: string,
  message: string,
  now: Date,
  log: Logger,
): Promise<void> {
  await recordEvent(deps.client, object, { type: "Warning", reason, message, component: COMPONENT }, now).catch(
    (err: unknown) => log.warn({ err: (err as Error).message }, "recording an Event on the Repository failed"),
  );
}

/** kubedump_repository_integrity in the Repository's own group; a push failure is logged, never fatal. */
async function pushIntegrity(deps: VerifyDeps, ref: VerifyWork["ref"], integrity: boolean, log: Logger) {
  if (!deps.metrics) return;
  try {
    await pushRepositoryIntegrity({
      gatewayUrl: deps.metrics.gatewayUrl,
      token: deps.metrics.token,
      stashNames: deps.metrics.stashNames,
      retryForMs: deps.metrics.retryForMs,
      job: backupJobKey({ kind: "Repository", ...ref }),
      labels: { invokerKind: "Repository", invokerName: ref.name, namespace: ref.namespace, repository: ref.name },
      integrity,
    });
  } catch (err) {
    log.warn({ err }, "pushing the integrity metric to the gateway failed");
  }
}
