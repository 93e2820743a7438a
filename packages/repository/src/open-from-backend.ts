import type { CredentialProvider } from "./credentials/aws-credentials.js";
import { labelledCredentials } from "./credentials/cached-credentials.js";
import { BackendConfigError } from "./errors.js";
import { openRepository, type Repository, type RepositoryOptions } from "./snapshot/repository.js";
import { createLocalObjectStore } from "./stores/local-object-store.js";
import type { ObjectStore } from "./stores/object-store.js";
import { objectLockOptions, type ObjectLockSpec } from "./stores/s3-object-lock.js";
import { createS3ObjectStore, type S3ObjectStoreOptions } from "./stores/s3-object-store.js";

/** A Repository CR's `spec.backend`: exactly one of s3 or local. */
export interface BackendSpec {
  s3?: {
    endpoint: string;
    bucket: string;
    region?: string;
    prefix?: string;
    insecureTLS?: boolean;
    pathStyle?: boolean;
  };
  local?: { path: string };
}

/** The Secret keys kubedump reads (decoded values), as Stash names them. */
export const SECRET_KEYS = {
  accessKey: "AWS_ACCESS_KEY_ID",
  secretKey: "AWS_SECRET_ACCESS_KEY",
  caCert: "CA_CERT_DATA",
  password: "ENCRYPTION_PASSWORD",
  passwordAlias: "RESTIC_PASSWORD",
} as const;

export interface OpenFromBackendOptions {
  backend: BackendSpec;
  /** The storage Secret's data, base64-decoded. Values are never put into messages. */
  secret: Record<string, string>;
  /**
   * Where S3 credentials come from when the Secret holds no AWS_ACCESS_KEY_ID and
   * AWS_SECRET_ACCESS_KEY: the process's AWS chain (createAwsCredentialChain), shared by all its stores.
   */
  credentials?: CredentialProvider;
  /** Whose backend this is, e.g. `Repository demo/repo`: named in credential errors. */
  label?: string;
  /** A Repository's `spec.objectLock`: every object written is locked for the retention (s3 only). */
  objectLock?: ObjectLockSpec;
  /** What asked for objectLock, named in its errors (default `spec.objectLock of <label>`). */
  objectLockSource?: string;
  now?: () => Date;
  /** A Repository's `spec.format`: the format of a new repository (default DEFAULT_REPOSITORY_FORMAT). */
  format?: 1 | 2;
  /** Passed to openRepository (scrypt cost of a new encrypted repository, upload retries). */
  repository?: Pick<RepositoryOptions, "kdf" | "uploadRetry" | "manifestCache">;
  /** Passed to the S3 store (part size, request retries). */
  s3?: Pick<S3ObjectStoreOptions, "partSize" | "retry">;
}

/** ENCRYPTION_PASSWORD, else RESTIC_PASSWORD, else undefined (empty counts as unset). */
export function passwordFromSecret(secret: Record<string, string | undefined>): string | undefined {
  return secret[SECRET_KEYS.password] || secret[SECRET_KEYS.passwordAlias] || undefined;
}

/** The Secret's keys when it has both; else the chain's credentials (named by `label`); a half pair is an error. */
function s3Credentials(
  secret: Record<string, string>,
  credentials: CredentialProvider | undefined,
  label: string | undefined,
): { accessKey: string; secretKey: string } | { credentials: CredentialProvider } {
  const accessKey = secret[SECRET_KEYS.accessKey]?.trim();
  const secretKey = secret[SECRET_KEYS.secretKey]?.trim();
  if (accessKey && secretKey) return { accessKey, secretKey };
  if (accessKey || secretKey) {
    const [has, lacks] = accessKey
      ? [SECRET_KEYS.accessKey, SECRET_KEYS.secretKey]
      : [SECRET_KEYS.secretKey, SECRET_KEYS.accessKey];
    throw new BackendConfigError(
      `the storage Secret has ${has} but no ${lacks}: give both, or neither to take credentials from the AWS chain`,
    );
  }
  if (!credentials) {
    throw new BackendConfigError(
      `the storage Secret has no ${SECRET_KEYS.accessKey} and ${SECRET_KEYS.secretKey}, and this process has no AWS credential chain`,
    );
  }
  return { credentials: label ? labelledCredentials(credentials, label) : credentials };
}

/** The ObjectStore a backend describes, with keys (or else the AWS chain's credentials) and CA from the Secret. */
export function createObjectStoreFromBackend({
  backend,
  secret,
  credentials,
  label,
  objectLock,
  objectLockSource,
  s3: tuning,
}: Omit<OpenFromBackendOptions, "now" | "repository" | "format">): ObjectStore {
  if ((backend.s3 === undefined) === (backend.local === undefined)) {
    throw new BackendConfigError("backend: exactly one of s3 or local must be set");
  }
  const lockSource = objectLockSource ?? (label ? `spec.objectLock of ${label}` : "objectLock");
  if (objectLock && backend.local)
    throw new BackendConfigError(`${lockSource}: a local backend cannot lock objects; object lock needs an s3 backend`);
  if (backend.local) {
    if (!backend.local.path.startsWith("/"))
      throw new BackendConfigError(`backend.local.path "${backend.local.path}": must be absolute`);
    return createLocalObjectStore({ root: backend.local.path });
  }
  const s3 = backend.s3 as NonNullable<BackendSpec["s3"]>;
  return createS3ObjectStore({
    ...s3,
    ...s3Credentials(secret, credentials, label),
    caCert: secret[SECRET_KEYS.caCert] || undefined,
    objectLock: objectLock ? objectLockOptions(objectLock, lockSource) : undefined,
    ...tuning,
  });
}

/**
 * Opens the repository of a Repository CR from its backend and Secret: the store, the
 * encryption password (ENCRYPTION_PASSWORD or RESTIC_PASSWORD), repository.json checked.
 */
export async function openRepositoryFromBackend(options: OpenFromBackendOptions): Promise<Repository> {
  const store = createObjectStoreFromBackend(options);
  return openRepository({
    store,
    password: passwordFromSecret(options.secret),
    now: options.now,
    format: options.format,
    ...options.repository,
  });
}
