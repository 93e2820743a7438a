import { setTimeout as sleep } from "node:timers/promises";
import { KubeApiError, KubeUnreachableError } from "@kubedump/kube";
import type { Logger } from "@kubedump/service";

/**
 * How long a job's record step (status, Event, Repository status) waits for an API server that is
 * away (restarting, overloaded) before it gives up. Without the wait, a backup whose snapshot was
 * committed while the API server restarted stayed Running for good: its status write failed, and
 * so did the write of the failure.
 * @defaultValue 120 000 ms
 */
export const DEFAULT_RECORD_RETRY_MS = 120_000;

const MAX_DELAY_MS = 10_000;

/** The API server did not answer, or answered that it cannot serve now (429, 5xx). */
export const isApiAway = (err: unknown): boolean =>
  err instanceof KubeUnreachableError || (err instanceof KubeApiError && (err.status === 429 || err.status >= 500));

export interface RecordRetry {
  /** @defaultValue DEFAULT_RECORD_RETRY_MS */
  timeoutMs?: number;
  /** The delay between tries (tests replace it). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs a record step again, 1 s → 10 s apart, while it fails because the API server is away and
 * the time allowed is not up; any other error, or the last, is thrown. Each step writes whole
 * values (merge patches of the status), so running it again is safe.
 */
export async function retryWhileApiAway(fn: () => Promise<void>, log: Logger, opts: RecordRetry = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_RECORD_RETRY_MS;
  const wait = opts.sleep ?? ((ms: number) => sleep(ms));
  let waited = 0;
  for (let delay = 1000; ; delay = Math.min(MAX_DELAY_MS, delay * 2)) {
    try {
      return await fn();
    } catch (err) {
      if (!isApiAway(err) || waited + delay > timeoutMs) throw err;
      if (waited === 0) log.warn(`the API server is away, recording waits for it: ${(err as Error).message}`);
      await wait(delay);
      waited += delay;
    }
  }
}
