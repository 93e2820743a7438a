import { SnapshotNotFoundError } from "../errors.js";
import type { Repository } from "../snapshot/repository.js";
import { byTime } from "../snapshot/snapshot-order.js";
import type { SnapshotManifest } from "../snapshot/types.js";

export { byTime };

const LATEST = /^latest(?:~(\d{1,6}))?$/;

/**
 * The snapshot `ref` names: an id, `latest` (the newest readable snapshot, by time) or `latest~N` (the one N
 * before it). SnapshotNotFoundError naming `ref` when there is none.
 */
export async function resolveSnapshot(repository: Repository, ref: string): Promise<SnapshotManifest> {
  const latest = LATEST.exec(ref);
  if (!latest) return repository.getSnapshot(ref);
  const snapshots = byTime((await repository.scanSnapshots()).snapshots);
  const found = snapshots[snapshots.length - 1 - Number(latest[1] ?? 0)];
  if (!found) throw new SnapshotNotFoundError(ref);
  return found;
}
