import { type RestoreReport, restoreSnapshot } from "@kubedump/restore";
import type { Logger } from "@kubedump/service";
import { createProgressWriter } from "./restore-progress.js";
import type { RestoreJobDeps, RestoreOutcome, RestoreWork } from "./restore-types.js";
import { writeSessionStatus } from "./session-status.js";

/**
 * Run: the engine over the resolved snapshot; PartiallySucceeded when an object failed. Writes no
 * status but the session's progress while it runs (throttled); the final figures go with the outcome.
 */
export async function runRestore(
  deps: RestoreJobDeps,
  work: RestoreWork,
  ctx: { log: Logger; signal: AbortSignal },
): Promise<RestoreOutcome> {
  const progress = createProgressWriter({
    write: (p) => writeSessionStatus(deps.client, work.ref, { progress: p }),
    now: () => deps.now?.() ?? new Date(),
    log: ctx.log,
  });
  let report: RestoreReport;
  try {
    report = await restoreSnapshot({
      client: deps.client,
      repository: work.repository,
      snapshotId: work.snapshotId,
      options: work.options,
      signal: ctx.signal,
      onProgress: (p) => progress.update(p),
    });
  } catch (err) {
    await progress.close(); // no progress write lands after the failure is recorded
    throw err;
  }
  const final = await progress.close();
  const totals = report.totals();
  ctx.log.info({ snapshot: work.snapshotId, ...totals }, "restore finished");
  return { phase: totals.failed > 0 ? "PartiallySucceeded" : "Succeeded", report, progress: final };
}
