import type { validateRepository } from "@kubedump/api";
import { type KubeClient, readSecret } from "@kubedump/kube";
import { ManifestCache, openRepositoryFromBackend, type Repository } from "@kubedump/repository";

export type ValidRepository = ReturnType<typeof validateRepository> & { ok: true };

/**
 * Reads the Repository's Secret (AWS keys, CA, encryption password) and opens its backend, with
 * the snapshot.json files this process has read there before (one ManifestCache per Repository
 * object and backend), so that each backup's Repository status reads only the new ones.
 */
export function repositoryOpener(client: KubeClient) {
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
    const where = JSON.stringify([namespace, repo.value.metadata.name, backend]);
    let manifestCache = caches.get(where);
    if (!manifestCache) caches.set(where, (manifestCache = new ManifestCache()));
    return openRepositoryFromBackend({ backend, secret, repository: { manifestCache } });
  };
}
