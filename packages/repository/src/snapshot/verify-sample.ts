import { createHash } from "node:crypto";
import { SnapshotNotFoundError } from "../errors.js";
import type { Repository } from "./repository.js";

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

/** A snapshot a sample verify found damaged, with what is wrong. */
export interface DamagedSnapshot {
  id: string;
  problems: string[];
}

export interface SampleVerifyResult {
  /** Snapshots checked: the committed ones still there at their turn, and those whose snapshot.json does not read. */
  snapshots: number;
  /** Snapshots read in full. */
  read: number;
  damaged: DamagedSnapshot[];
}

/**
 * A format-1 repository's verify: every committed snapshot gets the cheap check (every stored file
 * there with the size snapshot.json records: one stat per file, no data read); those
 * pickForReading chose are read in full instead (Repository.verify: every stored file's sha256,
 * every object against its index record). A snapshot.json that does not read is damage too. A
 * snapshot removed meanwhile (retention: snapshot.json goes first) is skipped; damage is confirmed
 * by reading snapshot.json again, which also throws when the store stopped answering mid-check.
 */
export async function verifySnapshotSample(
  repository: Repository,
  { readData, seed, signal }: { readData: number; seed: string; signal?: AbortSignal },
): Promise<SampleVerifyResult> {
  const scan = await repository.scanSnapshots();
  const ids = scan.snapshots.map((s) => s.id);
  const read = pickForReading(ids, readData, seed);
  const damaged: DamagedSnapshot[] = scan.unreadable.map((u) => ({ id: u.id, problems: [u.error.message] }));
  let checked = damaged.length;
  for (const id of ids) {
    signal?.throwIfAborted();
    const problems = await problemsOf(repository, id, read.has(id));
    if (problems === undefined) continue;
    checked += 1;
    if (problems.length) damaged.push({ id, problems });
  }
  return { snapshots: checked, read: read.size, damaged };
}

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
