import { type Clock, systemClock } from "@kubedump/kube";

/**
 * First retry delay of a key whose reconcile failed; doubled after each further failure.
 * @defaultValue 1000 (1 s)
 */
export const DEFAULT_RETRY_BASE_MS = 1_000;
/**
 * Longest retry delay of a failing key.
 * @defaultValue 300000 (5 min)
 */
export const DEFAULT_RETRY_MAX_MS = 5 * 60_000;

export interface WorkQueueOptions {
  /** Time and delays; a fake one lets tests control them. */
  clock?: Clock;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/**
 * Keys of objects waiting to be reconciled, in the manner of client-go's rate-limited work queue:
 * - a key added while it waits is there once (what the reconcile reads is the object as it is then);
 * - a key handed out by get() is not handed out again until done(); one added meanwhile waits for done();
 * - addRateLimited() delays a key exponentially per key (base·2ⁿ, capped) until forget() resets it.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; abort: AbortController }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly clock: Clock;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.baseMs = opts.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
    this.maxMs = opts.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
  }

  /** Keys waiting to be handed out (not those being processed or delayed). */
  get length(): number {
    return this.queue.length;
  }

  /** Queues `key` now; a delayed add of it is dropped, as this one comes first. */
  add(key: string): void {
    if (this.shuttingDown) return;
    this.cancelDelayed(key);
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.handOut();
  }

  /** Queues `key` after `ms`; of several delayed adds of one key, the earliest stands. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.abort.abort();
    const abort = new AbortController();
    this.delayed.set(key, { at, abort });
    this.clock.sleep(ms, abort.signal).then(
      () => {
        if (this.delayed.get(key)?.abort !== abort) return;
        this.delayed.delete(key);
        this.add(key);
      },
      () => {}, // cancelled
    );
  }

  /** Queues `key` after its backoff, which doubles with each call until forget(); returns the delay. */
  addRateLimited(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    const ms = Math.min(this.maxMs, this.baseMs * 2 ** failures);
    this.failures.set(key, failures + 1);
    this.addAfter(key, ms);
    return ms;
  }

  /** Forgets the failures of `key`: its next addRateLimited() waits the base delay. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Failures of `key` since the last forget(). */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to reconcile, marked as being processed; undefined once shut down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends the processing of `key`; if it was added meanwhile, it is queued again (and a delayed add dropped). */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) {
      this.cancelDelayed(key);
      this.queue.push(key);
      this.handOut();
    }
  }

  /** Drops waiting and delayed keys; get() answers undefined from now on. Safe twice. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { abort } of this.delayed.values()) abort.abort();
    this.delayed.clear();
    this.queue.length = 0;
    this.dirty.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private take(): string | undefined {
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private handOut(): void {
    while (this.waiters.length && this.queue.length) {
      const key = this.take();
      this.waiters.shift()?.(key);
    }
  }

  private cancelDelayed(key: string): void {
    const pending = this.delayed.get(key);
    if (!pending) return;
    pending.abort.abort();
    this.delayed.delete(key);
  }
}
