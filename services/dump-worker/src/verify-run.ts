import { createHash } from "node:crypto";
import { type Repository, SnapshotNotFoundError } from "@kubedump/repository";
import type { Logger } from "@kubedump/service";
import type { DamagedSnapshot, VerifyOutcome, VerifyWork } from "./verify-types.js";

/**
 * The snapshots whose data a run reads in full: `readData` percent of them, rounded up (so at
 * least one when readData > 0), in the order of sha256(seed, id). Each run has its own seed (its
 * job id), so each reads another sample and, over runs, every snapshot is read, as restic's
 * `check --read-data-subset=x%` does with packs. The same seed picks the same snapshots, so a
 * retried attempt reads what the first one meant to.
 */
export function pickForReading(ids: readonly string[], readData: number, seed: string): Set<string> {
  const count = Math.ceil((ids.length * readData) / 100);
  const rank = (id: string) => createHash("sha256").update(`${seed}\n${id}`).digest("hex");
  const ranked = ids.map((id) => ({ id, rank: rank(id) })).sort((a, b) => (a.rank < b.rank ? -1 : 1));
  return new Set(ranked.slice(0, count).map((r) => r.id));
}

/**
 * Run: checks every committed snapshot (one whose snapshot.json does not read is damaged). Each gets the cheap check (every stored file there with
 * the size snapshot.json records: one stat per file, no data read); those pickForReading chose
 * are read in full instead (Repository.verify: every stored file's sha256, every object against
 * its index record). Writes no status.
 */
export async function runVerify(work: VerifyWork, ctx: { log: Logger; signal: AbortSignal }): Promise<VerifyOutcome> {
  const scan = await work.repository.scanSnapshots();
  const ids = scan.snapshots.map((s) => s.id);
  const read = pickForReading(ids, work.verify.readData, work.seed);
  // A snapshot.json that does not read is damage too: its snapshot can be neither listed nor restored.
  const damaged: DamagedSnapshot[] = scan.unreadable.map((u) => ({ id: u.id, problems: [u.error.message] }));
  let checked = damaged.length;
  for (const id of ids) {
    ctx.signal.throwIfAborted();
    const problems = await problemsOf(work.repository, id, read.has(id));
    if (problems === undefined) continue;
    checked += 1;
    if (problems.length) damaged.push({ id, problems });
  }
  return { phase: damaged.length ? "Damaged" : "Intact", snapshots: checked, read: read.size, damaged };
}

/**
 * The problems of one snapshot; undefined when it is no longer committed (the retention policy
 * removed it meanwhile: snapshot.json goes first). Damage is confirmed by reading snapshot.json
 * again, which also fails (and the job is retried) when the store stopped answering mid-check.
 */
async function problemsOf(repository: Repository, id: string, readData: boolean): Promise<string[] | undefined> {
  try {
    const report = readData ? await repository.verify(id) : await repository.checkStored(id);
    if (report.ok) return [];
    await repository.getSnapshot(id);
    return report.problems;
  } catch (err) {
    if (err instanceof SnapshotNotFoundError) return undefined;
    throw err;
  }
}
