import { restoreSnapshot } from "@kubedump/restore";
import type { Logger } from "@kubedump/service";
import type { RestoreJobDeps, RestoreOutcome, RestoreWork } from "./restore-types.js";

/** Run: the engine over the resolved snapshot; PartiallySucceeded when an object failed. Writes no status. */
export async function runRestore(
  deps: RestoreJobDeps,
  work: RestoreWork,
  ctx: { log: Logger; signal: AbortSignal },
): Promise<RestoreOutcome> {
  const report = await restoreSnapshot({
    client: deps.client,
    repository: work.repository,
    snapshotId: work.snapshotId,
    options: work.options,
    signal: ctx.signal,
  });
  const totals = report.totals();
  ctx.log.info({ snapshot: work.snapshotId, ...totals }, "restore finished");
  return { phase: totals.failed > 0 ? "PartiallySucceeded" : "Succeeded", report };
}
