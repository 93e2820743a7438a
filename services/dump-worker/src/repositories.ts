import type { BackupConfiguration, validateRepository } from "@kubedump/api";
import { type KubeClient, readSecret } from "@kubedump/kube";
import { openRepositoryFromBackend, type Repository } from "@kubedump/repository";

export type ValidRepository = ReturnType<typeof validateRepository> & { ok: true };

/** Reads the Repository's Secret (AWS keys, CA, encryption password) and opens its backend. */
export function repositoryOpener(client: KubeClient) {
  return async (repo: ValidRepository, namespace: string): Promise<Repository> => {
    const name = repo.value.spec.storageSecretName;
    const secret = name ? await readSecret(client, namespace, name) : {};
    if (!secret) {
      throw new Error(
        `spec.storageSecretName of Repository ${namespace}/${repo.value.metadata.name}: Secret ${namespace}/${name} not found`,
      );
    }
    return openRepositoryFromBackend({ backend: repo.value.spec.backend, secret });
  };
}

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
