import type { BackupConfiguration } from "@kubedump/api";
import type { Repository } from "@kubedump/repository";
import type { RetentionRun } from "./backup-types.js";

/**
 * The configuration's retention policy, applied after each commit to the snapshots of this
 * configuration only, with periods counted in its time zone: the ids it removed, and those it
 * dropped but left whole because S3 Object Lock still retains them (a later run removes them).
 */
export async function applyRetention(repository: Repository, config: BackupConfiguration): Promise<RetentionRun> {
  const policy = config.spec.retentionPolicy;
  if (!policy) return { removed: [], locked: [] };
  const { name: _name, ...rules } = policy;
  const result = await repository.forget(rules, {
    timeZone: config.spec.timeZone ?? "UTC",
    source: {
      kind: "BackupSession",
      namespace: config.metadata.namespace,
      invoker: `BackupConfiguration/${config.metadata.name}`,
    },
  });
  const locked = result.locked.map(({ id, retainUntil }) => ({ id, retainUntil }));
  const removed = result.dryRun ? [] : result.removed.map((r) => r.id);
  return { removed, locked, ...(result.pruneDeferred ? { pruneDeferred: result.pruneDeferred } : {}) };
}
