import { AWS_ENV_VARS } from "@kubedump/repository";
import { DEFAULT_FLUSH_EVERY_CHANGES, DEFAULT_FLUSH_EVERY_MS } from "@kubedump/repository/journal";
import { identityOf, LEADER_ENV, optionalVars, parseEnv, port } from "@kubedump/service/env";
import { z } from "zod";

/** @defaultValue 8080 */
export const DEFAULT_HTTP_PORT = 8080;
/** The Lease the recorder replicas compete for. @defaultValue "kubedump-recorder" */
export const DEFAULT_LEASE_NAME = "kubedump-recorder";
/** How often BackupConfigurations are read again, events or not. @defaultValue 60 */
export const DEFAULT_RESYNC_SECONDS = 60;
/** How often discovery runs again, so resource types (CRDs) appearing and going are watched or dropped. @defaultValue 30 */
export const DEFAULT_DISCOVERY_SECONDS = 30;
/** How long one watch request lasts before it is renewed from its last resourceVersion. @defaultValue 300 */
export const DEFAULT_WATCH_TIMEOUT_SECONDS = 300;
/**
 * V8's old generation may grow this many percent beyond what survived its last full collection
 * before it collects again (V8's own factor is up to 300 %, which made most of the recorder's RSS
 * garbage: docs/benchmarks.md, "Continuous capture"); 0 leaves V8's own. @defaultValue 20
 */
export const DEFAULT_HEAP_GROWING_PERCENT = 20;

const schema = z.object({
  KUBECONFIG: z.string().optional(),
  HTTP_HOST: z.string().default("0.0.0.0"),
  HTTP_PORT: port(DEFAULT_HTTP_PORT),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  POD_NAME: z.string().optional(),
  ...LEADER_ENV,
  LEASE_NAME: z.string().min(1).default(DEFAULT_LEASE_NAME),
  RESYNC_SECONDS: z.coerce.number().int().min(1).default(DEFAULT_RESYNC_SECONDS),
  /** Record the BackupConfigurations of one namespace only (default: all). */
  WATCH_NAMESPACE: z.string().optional(),
  DISCOVERY_SECONDS: z.coerce.number().int().min(1).default(DEFAULT_DISCOVERY_SECONDS),
  WATCH_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(DEFAULT_WATCH_TIMEOUT_SECONDS),
  /** A journal segment is written at least this often while changes wait. */
  FLUSH_EVERY_MS: z.coerce.number().int().min(10).default(DEFAULT_FLUSH_EVERY_MS),
  /** A journal segment is written once this many changes wait. */
  FLUSH_EVERY_CHANGES: z.coerce.number().int().min(1).default(DEFAULT_FLUSH_EVERY_CHANGES),
  /** Where index files of each repository are cached between flushes (default: none). */
  INDEX_CACHE_DIR: z.string().optional(),
  /** Set as V8's --heap-growing-percent when the process starts (NODE_OPTIONS may not carry that flag). */
  HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(1000).default(DEFAULT_HEAP_GROWING_PERCENT),
  /**
   * Read by Node.js itself, not here: V8's flags for the recorder's memory, e.g.
   * `--max-semi-space-size=1` (docs/benchmarks.md, bench:recorder). Listed so the chart may set it.
   */
  NODE_OPTIONS: z.string().optional(),
  /**
   * Read by glibc's malloc, not here: how many malloc arenas the process's threads share (the
   * chart: 2; glibc's own is 8 a core, each keeping freed memory). Listed so the chart may set it.
   */
  MALLOC_ARENA_MAX: z.string().optional(),
  /**
   * Read by glibc's malloc, not here: allocations of this many bytes or more are mapped on their
   * own and returned when freed; set, it no longer rises to the largest block freed (the chart:
   * 131072). Listed so the chart may set it.
   */
  MALLOC_MMAP_THRESHOLD_: z.string().optional(),
  /** The AWS credential chain's: a Repository whose Secret holds no keys. */
  ...optionalVars(AWS_ENV_VARS),
});

/** Every variable the recorder reads; the Helm chart sets no other. The recorder needs no Redis. */
export const ENV_VARS: readonly string[] = Object.keys(schema.shape);

export type RecorderConfig = z.infer<typeof schema> & { identity: string };

/** The only reader of process.env for the recorder. */
export function loadConfig(env: NodeJS.ProcessEnv): RecorderConfig {
  const c = parseEnv(schema, env);
  return { ...c, identity: identityOf(c.POD_NAME) };
}
