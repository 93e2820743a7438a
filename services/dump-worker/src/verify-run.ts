import { pickForReading, type Repository, SnapshotNotFoundError } from "@kubedump/repository";
import { format2Of } from "@kubedump/repository/format2";
import type { Logger } from "@kubedump/service";
import { runVerifyFormat2 } from "./verify-run-format2.js";
import type { DamagedSnapshot, VerifyOutcome, VerifyWork } from "./verify-types.js";

/**
 * Run: checks every committed snapshot (one whose snapshot.json does not read is damaged). Each gets the cheap check (every stored file there with
 * the size snapshot.json records: one stat per file, no data read); those pickForReading chose
 * are read in full instead (Repository.verify: every stored file's sha256, every object against
 * its index record). Writes no status.
 */
export async function runVerify(work: VerifyWork, ctx: { log: Logger; signal: AbortSignal }): Promise<VerifyOutcome> {
  const scan = await work.repository.scanSnapshots();
  const format2 = format2Of(work.repository);
  if (format2) return runVerifyFormat2(format2, scan, work);
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
