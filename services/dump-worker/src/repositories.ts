import type { validateRepository } from "@kubedump/api";
import { type KubeClient, readSecret } from "@kubedump/kube";
import {
  type CredentialProvider,
  ManifestCache,
  openRepositoryFromBackend,
  type Repository,
  readRepositoryStorage,
} from "@kubedump/repository";

export type ValidRepository = ReturnType<typeof validateRepository> & { ok: true };

/**
 * Reads the Repository's Secret (AWS keys, CA, encryption password) and opens its backend, as the
 * CLI's --from-repository does (readRepositoryStorage), with the snapshot.json files this process
 * has read there before (one ManifestCache per Repository object and backend), so that each
 * backup's Repository status reads only the new ones. Without keys in the Secret, S3 credentials
 * come from `credentials`, the worker's AWS chain.
 */
export function repositoryOpener(client: KubeClient, credentials?: CredentialProvider) {
  const caches = new Map<string, ManifestCache>();
  return async (repo: ValidRepository, namespace: string): Promise<Repository> => {
    const { metadata, spec } = repo.value;
    const storage = await readRepositoryStorage({
      namespace,
      name: metadata.name ?? "",
      spec,
      readSecret: (ns, name) => readSecret(client, ns, name),
    });
    const where = JSON.stringify([namespace, metadata.name, spec.backend]);
    const manifestCache = caches.get(where) ?? new ManifestCache();
    caches.set(where, manifestCache);
    return openRepositoryFromBackend({ ...storage, credentials, repository: { manifestCache } });
  };
}
