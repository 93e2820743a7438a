import { resolve } from "node:path";
import {
  type BackendSpec,
  type CredentialProvider,
  CredentialsError,
  createAwsCredentialChain,
  createObjectStoreFromBackend,
  type ObjectLockSpec,
  type ObjectStore,
  openRepository,
  passwordFromSecret,
  type Repository,
  SECRET_KEYS,
} from "@kubedump/repository";
import { UsageError } from "./target.js";

export const DEFAULT_REPO = "./kubedump-backups";

/** The `--repo` help text every command shows. */
export const REPO_HELP =
  "repository: a local directory, or s3://<bucket>[/<prefix>]?endpoint=<url>[&region=<r>][&insecureTLS=true][&pathStyle=false] " +
  "with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and CA_CERT_DATA) from the environment, or without them the " +
  "AWS chain's: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (AWS_ENDPOINT_URL_STS for another STS), " +
  "AWS_CONTAINER_CREDENTIALS_FULL_URI, instance metadata; " +
  "ENCRYPTION_PASSWORD (or RESTIC_PASSWORD) in the environment encrypts";

const DEFAULT_S3_ENDPOINT = "https://s3.amazonaws.com";
const S3_PARAMS = new Set(["endpoint", "region", "insecureTLS", "pathStyle"]);

function flag(url: URL, name: string): boolean | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  if (value === "true" || value === "false") return value === "true";
  throw new UsageError(`--repo: ${name} must be true or false, got "${value}"`);
}

/** `s3://bucket/prefix?endpoint=…&region=…&insecureTLS=true&pathStyle=false` → an s3 backend. */
export function parseS3Url(repo: string): NonNullable<BackendSpec["s3"]> {
  let url: URL;
  try {
    url = new URL(repo);
  } catch {
    throw new UsageError("--repo: not a valid s3:// URL");
  }
  // The URL is never echoed whole: credentials put into it by mistake must not reach the terminal.
  if (url.username || url.password)
    throw new UsageError("--repo: no credentials in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  const bucket = url.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new UsageError(`--repo: "${bucket}" is not a valid bucket name`);
  const unknown = [...url.searchParams.keys()].filter((key) => !S3_PARAMS.has(key));
  if (unknown.length)
    throw new UsageError(`--repo: unknown parameter ${unknown.join(", ")} (known: ${[...S3_PARAMS].join(", ")})`);
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, "");
  return {
    endpoint: url.searchParams.get("endpoint") || DEFAULT_S3_ENDPOINT,
    bucket,
    region: url.searchParams.get("region") || undefined,
    prefix: prefix || undefined,
    insecureTLS: flag(url, "insecureTLS"),
    pathStyle: flag(url, "pathStyle"),
  };
}

/** The backend `--repo` names: a local directory or an s3:// URL. */
export function backendFromRepo(repo: string): BackendSpec {
  if (repo.startsWith("s3://")) return { s3: parseS3Url(repo) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo)) {
    throw new UsageError(`--repo: unsupported scheme "${repo.slice(0, repo.indexOf(":"))}"; use a directory or s3://`);
  }
  return { local: { path: resolve(repo) } };
}

/** Secret-like values from the environment; only the names kubedump reads. */
function secretFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const secret: Record<string, string> = {};
  for (const key of Object.values(SECRET_KEYS)) {
    const value = env[key];
    if (value) secret[key] = value;
  }
  return secret;
}

/** ENCRYPTION_PASSWORD (or RESTIC_PASSWORD) of `env`. */
export function passwordFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  return passwordFromSecret(secretFromEnv(env));
}

/** The AWS chain of `env`, for an s3 backend without keys; a misconfigured chain is a usage error naming `flag`. */
export function chainOf(env: NodeJS.ProcessEnv, flag = "--repo s3://…"): CredentialProvider {
  try {
    return createAwsCredentialChain({ env });
  } catch (err) {
    if (err instanceof CredentialsError) throw new UsageError(`${flag}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * The store `--repo <dir>` or `--repo s3://…` names, with CA and keys from `env`; without keys,
 * credentials from the AWS chain of `env` (web identity, container, instance metadata).
 */
export function storeFromUrl(
  repo: string,
  env: NodeJS.ProcessEnv = process.env,
  objectLock?: ObjectLockSpec,
): ObjectStore {
  const backend = backendFromRepo(repo);
  const secret = secretFromEnv(env);
  const lock = objectLock ? { objectLock, objectLockSource: "--object-lock-retention" } : {};
  if (!backend.s3) return createObjectStoreFromBackend({ backend, secret, ...lock });
  const missing = [SECRET_KEYS.accessKey, SECRET_KEYS.secretKey].filter((key) => !secret[key]);
  if (missing.length === 1) throw new UsageError(`--repo s3://…: set ${missing.join(" and ")} in the environment`);
  const label = `--repo s3://${backend.s3.bucket}${backend.s3.prefix ? `/${backend.s3.prefix}` : ""}`;
  return createObjectStoreFromBackend({
    backend,
    secret,
    ...lock,
    ...(missing.length ? { credentials: chainOf(env), label } : {}),
  });
}

/** `--repo <dir>` or `--repo s3://…`, with credentials, CA and encryption password from `env`. */
export async function openRepoFromUrl(repo: string, env: NodeJS.ProcessEnv = process.env): Promise<Repository> {
  return openRepository({ store: storeFromUrl(repo, env), password: passwordFromEnv(env) });
}
