import { StorageSecretNotFoundError } from "./errors.js";
import type { BackendSpec } from "./open-from-backend.js";
import type { ObjectLockSpec } from "./stores/s3-object-lock.js";

/** What a Repository object says about its storage: `spec.backend` and `spec.storageSecretName`. */
export interface RepositoryObjectSpec {
  backend: BackendSpec;
  storageSecretName?: string;
  objectLock?: ObjectLockSpec;
  /** `spec.format`: the format of a new repository (an existing one keeps its own). */
  format?: number;
}

/** A Secret's data, base64-decoded; undefined when the Secret does not exist. */
export type SecretReader = (namespace: string, name: string) => Promise<Record<string, string> | undefined>;

/** What openRepositoryFromBackend and createObjectStoreFromBackend take from a Repository object. */
export interface RepositoryStorage {
  backend: BackendSpec;
  secret: Record<string, string>;
  /** `Repository <namespace>/<name>`, named in credential errors. */
  label: string;
  /** `spec.objectLock`, when the Repository asks for it. */
  objectLock?: ObjectLockSpec;
  /** `spec.format`, the format of a new repository. */
  format?: 1 | 2;
}

/**
 * The backend of Repository `namespace/name` and its storage Secret, read with `readSecret`: the
 * caller's own access to the cluster (the dump worker's service account, the CLI user's
 * kubeconfig), so that both open a Repository the same way. No storageSecretName: an empty Secret
 * (a local backend, or S3 credentials from the AWS chain). A Secret that does not exist is a
 * StorageSecretNotFoundError naming the field.
 */
export async function readRepositoryStorage(input: {
  namespace: string;
  name: string;
  spec: RepositoryObjectSpec;
  readSecret: SecretReader;
}): Promise<RepositoryStorage> {
  const { namespace, name, spec } = input;
  const label = `Repository ${namespace}/${name}`;
  const secretName = spec.storageSecretName;
  const secret = secretName ? await input.readSecret(namespace, secretName) : {};
  if (!secret)
    throw new StorageSecretNotFoundError(
      `spec.storageSecretName of ${label}: Secret ${namespace}/${secretName} not found`,
    );
  return {
    backend: spec.backend,
    secret,
    label,
    ...(spec.objectLock ? { objectLock: spec.objectLock } : {}),
    ...(spec.format === 1 || spec.format === 2 ? { format: spec.format } : {}),
  };
}
