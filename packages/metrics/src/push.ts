import { backupMetricFamilies, repositoryIntegrityFamilies } from "./backup-metrics.js";
import type { BackupMetricLabels, BackupMetricValues } from "./names.js";
import { renderTextFormat, TEXT_FORMAT_CONTENT_TYPE } from "./render-text.js";
import type { MetricFamily } from "./types.js";

import { setTimeout as sleep } from "node:timers/promises";

export const DEFAULT_PUSH_TIMEOUT_MS = 10_000;
/** The first wait before a push is tried again; it doubles up to PUSH_RETRY_MAX_DELAY_MS. */
const PUSH_RETRY_FIRST_DELAY_MS = 1_000;
const PUSH_RETRY_MAX_DELAY_MS = 10_000;

/** A push the gateway refused (`status` set) or could not be reached for. */
export class MetricsPushError extends Error {
  override name = "MetricsPushError";
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface PushBackupMetricsOptions {
  /** Base URL of a Pushgateway-compatible gateway, e.g. `http://metrics-gateway:9091`. */
  gatewayUrl: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** The grouping key's job; see backupJobKey. */
  job: string;
  labels: BackupMetricLabels;
  values: BackupMetricValues;
  stashNames?: boolean;
  timeoutMs?: number;
  /**
   * How long to keep trying while the gateway cannot take the push (unreachable, 429, 5xx: a
   * gateway whose Redis is down answers 503), waiting 1 s, then twice as long, up to 10 s.
   * @defaultValue 0: one try
   */
  retryForMs?: number;
}

export interface PushRepositoryIntegrityOptions extends Omit<PushBackupMetricsOptions, "values"> {
  /** True when the verification found no damage. */
  integrity: boolean;
}

/** The job a backup's metrics are grouped under, as Stash does: `<invoker kind>-<namespace>-<name>`. */
export function backupJobKey(invoker: { kind: string; namespace: string; name: string }): string {
  return `${invoker.kind}-${invoker.namespace}-${invoker.name}`;
}

/** `/metrics/job/<job>`, base64url-encoded (`job@base64`) when the job holds a `/`. */
export function jobPath(job: string): string {
  if (job.includes("/")) return `/metrics/job@base64/${Buffer.from(job, "utf8").toString("base64url") || "="}`;
  return `/metrics/job/${encodeURIComponent(job)}`;
}

/**
 * Pushes a backup's metrics to the job's group on the gateway, with Pushgateway semantics. A
 * successful session replaces the whole group (HTTP PUT). A failed session sends only
 * `*_success` = 0 with HTTP POST, which replaces only the families it sends: the gauges of the
 * last success (`*_last_success_time_seconds` among them) stay, so "time since the last success"
 * keeps counting while backups fail. Throws MetricsPushError.
 */
export async function pushBackupMetrics(opts: PushBackupMetricsOptions): Promise<void> {
  await pushFamilies(opts, backupMetricFamilies(opts), pushMethod(opts.values));
}

/**
 * Pushes a Repository's verification result, kubedump_repository_integrity, replacing its job's
 * group (HTTP PUT). The job is the Repository's own (`Repository-<namespace>-<name>`, see
 * backupJobKey), so no backup's push replaces it. Throws MetricsPushError.
 */
export async function pushRepositoryIntegrity(opts: PushRepositoryIntegrityOptions): Promise<void> {
  await pushFamilies(opts, repositoryIntegrityFamilies(opts), "PUT");
}

/** Where a push goes: the gateway, its token, the group's job. */
export type PushTarget = Pick<PushBackupMetricsOptions, "gatewayUrl" | "token" | "job" | "timeoutMs" | "retryForMs">;

/**
 * Sends `families` to the job's group with Pushgateway semantics: PUT replaces the group, POST the
 * families sent. A push the gateway could not take is tried again for `retryForMs`.
 */
export async function pushFamilies(opts: PushTarget, families: MetricFamily[], method: "PUT" | "POST"): Promise<void> {
  if (opts.job === "") throw new MetricsPushError("a job name is required to push metrics");
  const body = renderTextFormat(families);
  const deadline = Date.now() + (opts.retryForMs ?? 0);
  for (let delay = PUSH_RETRY_FIRST_DELAY_MS; ; delay = Math.min(delay * 2, PUSH_RETRY_MAX_DELAY_MS)) {
    try {
      return await pushOnce(opts, body, method);
    } catch (err) {
      if (!isTransientPushError(err) || Date.now() + delay > deadline) throw err;
      await sleep(delay);
    }
  }
}

/** Unreachable, throttled or failing on its side: the same push may succeed later. */
const isTransientPushError = (err: unknown): boolean =>
  err instanceof MetricsPushError && (err.status === undefined || err.status === 429 || err.status >= 500);

async function pushOnce(opts: PushTarget, body: string, method: "PUT" | "POST"): Promise<void> {
  const url = new URL(opts.gatewayUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${jobPath(opts.job)}`;
  const headers: Record<string, string> = { "content-type": TEXT_FORMAT_CONTENT_TYPE };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS),
    });
  } catch (err) {
    throw new MetricsPushError(`could not push metrics of job "${opts.job}" to ${url.origin}`, undefined, {
      cause: err,
    });
  }
  const text = await res.text().catch(() => "");
  if (!res.ok) {
    throw new MetricsPushError(
      `gateway ${url.origin} refused the metrics of job "${opts.job}" with ${res.status}: ${text.trim()}`,
      res.status,
    );
  }
}

/** PUT (replace the group) for a success, POST (replace only the families sent) for a failure. */
function pushMethod(values: BackupMetricValues): "PUT" | "POST" {
  return values.sessionSuccess ? "PUT" : "POST";
}
