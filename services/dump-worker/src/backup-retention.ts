import type { BackupConfiguration } from "@kubedump/api";
import type { Repository } from "@kubedump/repository";

/**
 * The configuration's retention policy, applied after each commit to the snapshots of this
 * configuration only, with periods counted in its time zone; the ids it removed.
 */
export async function applyRetention(repository: Repository, config: BackupConfiguration): Promise<string[]> {
  const policy = config.spec.retentionPolicy;
  if (!policy) return [];
  const { name: _name, ...rules } = policy;
  const result = await repository.forget(rules, {
    timeZone: config.spec.timeZone ?? "UTC",
    source: {
      kind: "BackupSession",
      namespace: config.metadata.namespace,
      invoker: `BackupConfiguration/${config.metadata.name}`,
    },
  });
  return result.dryRun ? [] : result.removed.map((r) => r.id);
}
