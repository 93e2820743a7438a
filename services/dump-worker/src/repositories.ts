import type { validateRepository } from "@kubedump/api";
import { type KubeClient, readSecret } from "@kubedump/kube";
import { type CredentialProvider, openRepositoryFromBackend, type Repository } from "@kubedump/repository";

export type ValidRepository = ReturnType<typeof validateRepository> & { ok: true };

/**
 * Reads the Repository's Secret (AWS keys, CA, encryption password) and opens its backend; without
 * keys in the Secret, S3 credentials come from `credentials`, the worker's AWS chain.
 */
export function repositoryOpener(client: KubeClient, credentials?: CredentialProvider) {
  return async (repo: ValidRepository, namespace: string): Promise<Repository> => {
    const name = repo.value.spec.storageSecretName;
    const secret = name ? await readSecret(client, namespace, name) : {};
    if (!secret) {
      throw new Error(
        `spec.storageSecretName of Repository ${namespace}/${repo.value.metadata.name}: Secret ${namespace}/${name} not found`,
      );
    }
    const label = `Repository ${namespace}/${repo.value.metadata.name}`;
    return openRepositoryFromBackend({ backend: repo.value.spec.backend, secret, credentials, label });
  };
}
