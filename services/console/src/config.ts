import { COMMON_ENV, parseEnv, port } from "@kubedump/service/env";
import { z } from "zod";

/** @defaultValue the port the console listens on (the chart's Service targets it). */
export const DEFAULT_HTTP_PORT = 8080;
/** @defaultValue how long a TokenReview's and a SubjectAccessReview's answer is reused. */
export const DEFAULT_AUTH_CACHE_SECONDS = 30;
/** @defaultValue snapshots whose index summary is kept in memory (least recently used dropped first). */
export const DEFAULT_SNAPSHOT_CACHE_ENTRIES = 4;
/** @defaultValue how long an opened repository (its Secret read, repository.json checked) is reused. */
export const DEFAULT_REPOSITORY_CACHE_SECONDS = 300;

const { KUBECONFIG, HTTP_HOST, LOG_LEVEL } = COMMON_ENV;

const schema = z.object({
  KUBECONFIG,
  HTTP_HOST,
  HTTP_PORT: port(DEFAULT_HTTP_PORT),
  LOG_LEVEL,
  /**
   * The key of the CSRF tokens (an HMAC of the bearer token). Unset: a random key per process, so
   * with several replicas set it (the chart keeps it in a Secret) or a login holds on one replica only.
   */
  CSRF_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  AUTH_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(DEFAULT_AUTH_CACHE_SECONDS),
  SNAPSHOT_CACHE_ENTRIES: z.coerce.number().int().min(1).max(64).default(DEFAULT_SNAPSHOT_CACHE_ENTRIES),
  REPOSITORY_CACHE_SECONDS: z.coerce.number().int().min(0).default(DEFAULT_REPOSITORY_CACHE_SECONDS),
  /** Read the kubedump objects of this namespace only (default: every namespace). */
  WATCH_NAMESPACE: z.string().optional(),
  /** Behind an Ingress or a proxy that terminates TLS: trust X-Forwarded-Proto, so the cookie is Secure. */
  TRUST_PROXY: z.enum(["true", "false"]).default("false"),
});

/** Every environment variable the console reads; the Helm chart sets no other. */
export const ENV_VARS: readonly string[] = Object.keys(schema.shape);

export type ConsoleConfig = z.infer<typeof schema>;

/** Reads and validates the console's settings; the only reader of process.env. */
export function loadConfig(env: NodeJS.ProcessEnv): ConsoleConfig {
  return parseEnv(schema, env);
}
