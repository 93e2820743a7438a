import { createHash } from "node:crypto";
import type { SnapshotScan } from "@kubedump/repository";
import { describeVerifyProblem, type Format2Repository } from "@kubedump/repository/format2";
import type { DamagedSnapshot, VerifyOutcome, VerifyWork } from "./verify-types.js";

/** What names a problem no snapshot owns (a pack no snapshot uses, an index file). */
export const REPOSITORY_PROBLEMS = "repository";

/** Random numbers in [0, 1) from `seed` (mulberry32 over its sha256): the same seed, the same packs. */
export function seededRandom(seed: string): () => number {
  let state = createHash("sha256").update(seed).digest().readUInt32BE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A format-2 repository's verify run: one repository verify (every snapshot's tree against the
 * index, `readData` percent of the packs read and every blob in them checked against its id, the
 * other packs checked by size), not one per snapshot: snapshots share their packs. Problems go to
 * the snapshot that uses what is damaged, or to REPOSITORY_PROBLEMS. The packs read are chosen
 * from the job's seed, so a retried attempt reads the same ones.
 */
export async function runVerifyFormat2(
  format2: Format2Repository,
  scan: SnapshotScan,
  work: VerifyWork,
): Promise<VerifyOutcome> {
  const report = await format2.verify({ readDataSubset: work.verify.readData / 100, random: seededRandom(work.seed) });
  const byId = new Map<string, string[]>();
  for (const u of scan.unreadable) byId.set(u.id, [u.error.message]);
  for (const problem of report.problems) {
    const id = problem.snapshot ?? REPOSITORY_PROBLEMS;
    byId.set(id, [...(byId.get(id) ?? []), describeVerifyProblem(problem, { withSnapshot: false })]);
  }
  const damaged: DamagedSnapshot[] = [...byId].map(([id, problems]) => ({ id, problems }));
  return {
    phase: damaged.length ? "Damaged" : "Intact",
    snapshots: scan.snapshots.length + scan.unreadable.length,
    read: 0,
    packs: { read: report.packsRead, total: report.packs },
    damaged,
  };
}
