import { createHash } from "node:crypto";

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
