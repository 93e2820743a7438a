import { tmpdir } from "node:os";
import { AWS_ENV_VARS } from "@kubedump/repository";
import { COMMON_ENV, optionalVars, parseServiceEnv, port, type ServiceConfig } from "@kubedump/service/env";
import { z } from "zod";

export const DEFAULT_HTTP_PORT = 8082;
export const DEFAULT_CONCURRENCY = 2;
export const DEFAULT_JOB_LOCK_SECONDS = 30;

const schema = z.object({
  ...COMMON_ENV,
  HTTP_PORT: port(DEFAULT_HTTP_PORT),
  /** Backups one worker process runs at once. */
  CONCURRENCY: z.coerce.number().int().min(1).max(64).default(DEFAULT_CONCURRENCY),
  /** How long a job stays locked without renewal; a dead worker's job is taken over after it. */
  JOB_LOCK_SECONDS: z.coerce.number().int().min(2).default(DEFAULT_JOB_LOCK_SECONDS),
  /**
   * Where parts are spooled before upload: each replica in its own subdirectory
   * `dump-worker-<POD_NAME>`, emptied when it starts (see scratch.ts).
   */
  SCRATCH_DIR: z.string().default(tmpdir()),
  METRICS_GATEWAY_URL: z.url().optional(),
  METRICS_GATEWAY_TOKEN: z.string().optional(),
  /** Also push Stash's metric names (stash_backup_session_success, ...). */
  STASH_METRIC_NAMES: z.enum(["true", "false"]).default("false"),
  KUBE_QPS: z.coerce.number().min(0).default(50),
  KUBE_BURST: z.coerce.number().int().min(1).default(100),
  /** A RestoreSession's client: a restore writes one request an object (see the CLI's RESTORE_RATE). */
  RESTORE_KUBE_QPS: z.coerce.number().min(0).default(5000),
  RESTORE_KUBE_BURST: z.coerce.number().int().min(1).default(10000),
  /**
   * The AWS credential chain's, for Repositories whose Secret holds no keys: set by EKS's webhooks
   * (IRSA, Pod Identity) or by the chart's webIdentity values (see docs/cloud-identity.md).
   */
  ...optionalVars(AWS_ENV_VARS),
});

/** Every environment variable the service reads; the Helm chart sets no other. */
export const ENV_VARS: readonly string[] = Object.keys(schema.shape);

export type DumpWorkerConfig = ServiceConfig<typeof schema>;

/** The only reader of process.env for the dump worker. */
export const loadConfig = (env: NodeJS.ProcessEnv): DumpWorkerConfig => parseServiceEnv(schema, env);
