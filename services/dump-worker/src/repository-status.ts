import { crPath, formatBytes } from "@kubedump/api";
import { type KubeClient, patchStatus } from "@kubedump/kube";
import type { Repository } from "@kubedump/repository";
import { isoSeconds } from "./session-status.js";

export interface RepositoryTotals {
  snapshotCount: number;
  totalSizeBytes: number;
}

/** Recounts the repository's committed snapshots and writes Stash's Repository status fields. */
export async function updateRepositoryStatus(
  client: KubeClient,
  repository: Repository,
  ref: { namespace: string; name: string },
  removedOnLastCleanup: number,
): Promise<RepositoryTotals> {
  // Those whose snapshot.json does not read are left out: the verify job reports them.
  const { snapshots } = await repository.scanSnapshots();
  const totalSizeBytes = snapshots.reduce((sum, s) => sum + s.storedBytes, 0);
  const first = snapshots[0];
  const last = snapshots[snapshots.length - 1];
  await patchStatus(client, crPath("Repository", ref.namespace, ref.name), {
    snapshotCount: snapshots.length,
    totalSizeBytes,
    totalSize: formatBytes(totalSizeBytes),
    firstBackupTime: first ? isoSeconds(new Date(first.time)) : null,
    lastBackupTime: last ? isoSeconds(new Date(last.time)) : null,
    snapshotsRemovedOnLastCleanup: removedOnLastCleanup,
  });
  return { snapshotCount: snapshots.length, totalSizeBytes };
}
