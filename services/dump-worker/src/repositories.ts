import type { validateRepository } from "@kubedump/api";
import { type KubeClient, readSecret } from "@kubedump/kube";
import {
  type CredentialProvider,
  ManifestCache,
  openRepositoryFromBackend,
  type Repository,
} from "@kubedump/repository";

export type ValidRepository = ReturnType<typeof validateRepository> & { ok: true };

/**
 * Reads the Repository's Secret (AWS keys, CA, encryption password) and opens its backend, with
 * the snapshot.json files this process has read there before (one ManifestCache per Repository
 * object and backend), so that each backup's Repository status reads only the new ones. Without
 * keys in the Secret, S3 credentials come from `credentials`, the worker's AWS chain.
 */
export function repositoryOpener(client: KubeClient, credentials?: CredentialProvider) {
  const caches = new Map<string, ManifestCache>();
  return async (repo: ValidRepository, namespace: string): Promise<Repository> => {
    const name = repo.value.spec.storageSecretName;
    const secret = name ? await readSecret(client, namespace, name) : {};
    if (!secret) {
      throw new Error(
        `spec.storageSecretName of Repository ${namespace}/${repo.value.metadata.name}: Secret ${namespace}/${name} not found`,
      );
    }
    const backend = repo.value.spec.backend;
    const label = `Repository ${namespace}/${repo.value.metadata.name}`;
    const where = JSON.stringify([namespace, repo.value.metadata.name, backend]);
    const manifestCache = caches.get(where) ?? new ManifestCache();
    caches.set(where, manifestCache);
    return openRepositoryFromBackend({ backend, secret, credentials, label, repository: { manifestCache } });
  };
}
