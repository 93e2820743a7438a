import type { validateRepository } from "@kubedump/api";
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
