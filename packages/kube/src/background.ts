// What the kube package's background loops (informer, leader election) share.
import type { Clock } from "./rate-limiter.js";

/** Sleeps `ms` on `clock`: true when it slept, false when `signal` aborted it or the loop was `stopped` meanwhile. */
export function sleepUnlessStopped(clock: Clock, ms: number, signal: AbortSignal, stopped: () => boolean) {
  return clock.sleep(ms, signal).then(
    () => !stopped(),
    () => false,
  );
}

/** Hands an error to a loop's error hook; a hook that throws is ignored (nothing is left to tell). */
export function reportTo(onError: ((err: Error) => void) | undefined, err: unknown): void {
  try {
    onError?.(err instanceof Error ? err : new Error(String(err)));
  } catch {
    // the error hook itself failed
  }
}
