import { setTimeout as sleep } from "node:timers/promises";

/** How often and how patiently a transient failure is retried. */
export interface RetryPolicy {
  /** Tries in all, the first included (1: no retry). */
  attempts: number;
  /** Delay before the second try; doubles each time, with up to 50% jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injected by tests. */
  sleep?: (ms: number) => Promise<unknown>;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 5_000 };

/** The delay before try number `attempt + 1` (attempt counts from 1). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const base = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.round(base * (1 + random() * 0.5));
}

/**
 * Runs `fn` until it succeeds, fails with an error `isTransient` rejects, or the attempts are
 * used up; the last error is thrown as it is.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  isTransient: (err: unknown) => boolean,
  fn: (attempt: number) => Promise<T>,
): Promise<T> {
  const wait = policy.sleep ?? sleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= policy.attempts || !isTransient(err)) throw err;
      await wait(backoffDelay(policy, attempt));
    }
  }
}
