import { setTimeout as sleep } from "node:timers/promises";

export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when it is aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, undefined, { signal }) };

/** A token bucket: `qps` tokens a second, at most `burst` saved up. qps <= 0 means unlimited. */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  /**
   * Resolves when the caller may send one request; callers are served in order. A request that
   * takes no token (`tokens` 0: paid for by another, see RequestOpts.tokens) goes at once.
   */
  take(tokens = 1): Promise<void> {
    if (this.qps <= 0 || tokens <= 0) return Promise.resolve();
    const turn = this.queue.then(() => this.waitForToken());
    this.queue = turn;
    return turn;
  }

  private async waitForToken(): Promise<void> {
    this.refill();
    if (this.tokens < 1) {
      await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.qps) * 1000));
      this.refill();
    }
    this.tokens -= 1;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }
}
