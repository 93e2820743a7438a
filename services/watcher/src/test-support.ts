// Helpers shared by this service's tests; excluded from the build (tsconfig.build.json).
import type { Clock } from "@kubedump/kube";

export interface ManualClock extends Clock {
  /** Every sleep asked for, in ms, in order. */
  readonly sleeps: number[];
  /** Sleeps not yet over nor cancelled. */
  pending(): number;
  /** Moves time on by `ms`, waking each sleep that ends meanwhile (in time order) and letting it run. */
  advance(ms: number): Promise<void>;
}

/** A clock that stands still until advance(): tests decide when a delay is over. */
export function manualClock(start = 0): ManualClock {
  let now = start;
  const timers: { at: number; wake: () => void }[] = [];
  const sleeps: number[] = [];
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    sleeps,
    now: () => now,
    pending: () => timers.length,
    sleep(ms, signal) {
      sleeps.push(ms);
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = { at: now + ms, wake: resolve };
        timers.push(timer);
        signal?.addEventListener(
          "abort",
          () => {
            const i = timers.indexOf(timer);
            if (i >= 0) timers.splice(i, 1);
            reject(signal.reason);
          },
          { once: true },
        );
      });
    },
    async advance(ms) {
      const until = now + ms;
      await settle();
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > until) break;
        timers.shift();
        now = next.at;
        next.wake();
        await settle();
      }
      now = until;
      await settle();
    },
  };
}
