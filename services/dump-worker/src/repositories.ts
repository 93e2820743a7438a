import type { validateRepository } from "@kubedump/api";
import { type KubeClient, readSecret } from "@kubedump/kube";
import { type CredentialProvider, createRepositoryObjectOpener, type Repository } from "@kubedump/repository";

export type ValidRepository = ReturnType<typeof validateRepository> & { ok: true };

/**
 * Opens a Repository object with the worker's service account reading its Secret
 * (createRepositoryObjectOpener: one ManifestCache per Repository object and backend, so that each
 * backup's Repository status reads only the new snapshot.json files). Without keys in the Secret,
 * S3 credentials come from `credentials`, the worker's AWS chain.
 */
export function repositoryOpener(client: KubeClient, credentials?: CredentialProvider) {
  const open = createRepositoryObjectOpener({ readSecret: (ns, name) => readSecret(client, ns, name), credentials });
  return (repo: ValidRepository, namespace: string): Promise<Repository> =>
    open(namespace, repo.value.metadata.name ?? "", repo.value.spec);
}
