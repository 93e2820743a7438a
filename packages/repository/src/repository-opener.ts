import type { CredentialProvider } from "./credentials/aws-credentials.js";
import { openRepositoryFromBackend } from "./open-from-backend.js";
import { type RepositoryObjectSpec, readRepositoryStorage, type SecretReader } from "./repository-object.js";
import { ManifestCache } from "./snapshot/manifest-cache.js";
import type { Repository } from "./snapshot/repository.js";

/** Opens the repository of Repository `namespace/name` with this `spec`. */
export type RepositoryObjectOpener = (
  namespace: string,
  name: string,
  spec: RepositoryObjectSpec,
) => Promise<Repository>;

/**
 * Opens Repository objects as the dump worker and the console do: the storage Secret read with
 * `readSecret` (readRepositoryStorage, as the CLI's --from-repository), then the backend, with the
 * snapshot.json files this process has read there before (one ManifestCache per Repository object
 * and backend), so that a listing reads only the new ones. Without keys in the Secret, S3
 * credentials come from `credentials`, the process's AWS chain.
 */
export function createRepositoryObjectOpener(deps: {
  readSecret: SecretReader;
  credentials?: CredentialProvider;
}): RepositoryObjectOpener {
  const caches = new Map<string, ManifestCache>();
  return async (namespace, name, spec) => {
    const storage = await readRepositoryStorage({ namespace, name, spec, readSecret: deps.readSecret });
    const where = JSON.stringify([namespace, name, spec.backend]);
    const manifestCache = caches.get(where) ?? new ManifestCache();
    caches.set(where, manifestCache);
    return openRepositoryFromBackend({ ...storage, credentials: deps.credentials, repository: { manifestCache } });
  };
}
