import { verifySnapshotSample } from "@kubedump/repository";
import { format2Of } from "@kubedump/repository/format2";
import type { Logger } from "@kubedump/service";
import { runVerifyFormat2 } from "./verify-run-format2.js";
import type { VerifyOutcome, VerifyWork } from "./verify-types.js";

/**
 * Run: checks every committed snapshot (one whose snapshot.json does not read is damaged): format
 * 2 in one repository verify (verify-run-format2.ts), format 1 with verifySnapshotSample (the
 * cheap size check for each, those the job's seed picks read in full). Writes no status.
 */
export async function runVerify(work: VerifyWork, ctx: { log: Logger; signal: AbortSignal }): Promise<VerifyOutcome> {
  const format2 = format2Of(work.repository);
  if (format2) return runVerifyFormat2(format2, await work.repository.scanSnapshots(), work);
  const { snapshots, read, damaged } = await verifySnapshotSample(work.repository, {
    readData: work.verify.readData,
    seed: work.seed,
    signal: ctx.signal,
  });
  return { phase: damaged.length ? "Damaged" : "Intact", snapshots, read, damaged };
}
