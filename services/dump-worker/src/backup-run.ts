import { tmpdir } from "node:os";
import { takeSnapshot } from "@kubedump/dump";
import { SnapshotExistsError } from "@kubedump/repository";
import type { SnapshotManifest } from "@kubedump/repository/snapshot";
import type { Logger } from "@kubedump/service";
import type { BackupDeps, BackupOutcome, BackupWork } from "./backup-types.js";
import { explainScratchFull, useIndexCache } from "./scratch.js";

/**
 * Run: takes the snapshot and applies the retention policy; writes no status. A snapshot that
 * already exists was committed by a worker that died before writing the status: it is the
 * outcome. A failing aggregated API is a warning in the manifest: PartiallySucceeded. A full
 * scratch directory is an error that names it.
 */
export async function runBackup(
  deps: BackupDeps,
  work: BackupWork,
  ctx: { log: Logger; signal: AbortSignal },
): Promise<BackupOutcome> {
  const { client, scratchDir } = deps;
  let manifest: SnapshotManifest;
  /** Objects taken unchanged from the last snapshot of this configuration (format 2's reuse table). */
  let reused = 0;
  if (work.indexCacheDir !== undefined) await useIndexCache(work.indexCacheDir);
  try {
    const taken = await takeSnapshot(
      {
        client,
        repository: work.repository,
        scratchDir,
        indexCacheDir: work.indexCacheDir,
        signal: ctx.signal,
        onReuseTableIgnored: (reason) => ctx.log.warn({ reason }, "reuse table ignored: every object is read"),
      },
      work.snapshot,
    );
    manifest = taken.manifest;
    reused = taken.result.reused;
  } catch (err) {
    if (!(err instanceof SnapshotExistsError) || work.snapshot.id === undefined)
      throw explainScratchFull(err, scratchDir ?? tmpdir());
    manifest = await work.repository.getSnapshot(work.snapshot.id);
  }
  ctx.log.info({ snapshot: manifest.id, objects: manifest.objects, reused }, "snapshot committed");
  const retention = await deps.applyRetention(work.repository, work.config, (deps.now ?? (() => new Date()))());
  if (retention.locked.length)
    ctx.log.info({ locked: retention.locked }, "retention left snapshots S3 Object Lock retains");
  if (retention.pruneDeferred)
    ctx.log.info({ reason: retention.pruneDeferred }, "retention forgot snapshots; their data goes with a later prune");
  return { phase: manifest.warnings.length ? "PartiallySucceeded" : "Succeeded", manifest, retention };
}
