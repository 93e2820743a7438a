import type { KubeClient } from "./client.js";
import { HandlerError, isConflict, isNotFound, LeaderElectionError } from "./errors.js";
import { type Clock, systemClock } from "./rate-limiter.js";
import { collectionPath, type KubeObject, objectPath } from "./resources.js";
import { reportTo, sleepUnlessStopped } from "./background.js";

export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

const LEASES = { apiPath: "/apis/coordination.k8s.io/v1", resource: "leases", namespaced: true };

/** coordination.k8s.io/v1 LeaseSpec; times are MicroTime (RFC 3339 with microseconds). */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectorOptions {
  client: KubeClient;
  /** Namespace and name of the Lease every replica competes for. */
  namespace: string;
  name: string;
  /** Unique per replica, e.g. the pod name. */
  identity: string;
  /** How long a lease holds without renewal; others take over after it (default 15 s). */
  leaseDurationMs?: number;
  /** The leader gives up when it could not renew for this long (default 10 s). */
  renewDeadlineMs?: number;
  /** Between attempts to acquire or renew (default 2 s). */
  retryPeriodMs?: number;
  clock?: Clock;
  /** stop() empties the lease's holder so another replica takes over at once (default true). */
  releaseOnStop?: boolean;
  /** Called on becoming leader; the signal aborts when leadership ends. Not awaited. */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  onStoppedLeading: () => void;
  /** A different holder was observed (also ourselves). */
  onNewLeader?: (identity: string) => void;
  /** Failed attempts (the elector keeps trying) and handlers that threw. */
  onError?: (err: Error) => void;
}

export interface LeaderElector {
  /** Campaigns until stop(): acquire, renew, and after losing the lease, campaign again. */
  start(): void;
  /** Stops campaigning; as leader, releases the lease (unless releaseOnStop is false) and steps down. Safe twice. */
  stop(): Promise<void>;
  isLeader(): boolean;
  /** The holder last observed in the lease, if any. */
  leader(): string | undefined;
}

type Outcome = "held" | "taken" | "failed";

/**
 * Leader election on a Lease with client-go's semantics: a lease is free when it has no holder or
 * its renewTime + leaseDurationSeconds has passed; writes carry the resourceVersion read, so of
 * two replicas racing for a lease exactly one wins (the other gets 409 Conflict).
 */
export function createLeaderElector(opts: LeaderElectorOptions): LeaderElector {
  return new LeaseLeaderElector(opts);
}

/** MicroTime: the API server wants exactly six fractional digits. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, "000Z");

function isExpired(spec: LeaseSpec, now: number): boolean {
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? "");
  return Number.isNaN(renewed) || renewed + (spec.leaseDurationSeconds ?? 0) * 1000 < now;
}

class LeaseLeaderElector implements LeaderElector {
  private readonly abort = new AbortController();
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly deadlineMs: number;
  private readonly retryMs: number;
  private running?: Promise<void>;
  private leading?: AbortController;
  private lease?: Lease;
  private observed?: string;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.clock = opts.clock ?? systemClock;
    this.leaseMs = opts.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.deadlineMs = opts.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryMs = opts.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    if (!(this.leaseMs > this.deadlineMs && this.deadlineMs > this.retryMs && this.retryMs > 0)) {
      throw new LeaderElectionError(
        `lease ${opts.namespace}/${opts.name}: need leaseDuration > renewDeadline > retryPeriod > 0 (have ${this.leaseMs} ms, ${this.deadlineMs} ms, ${this.retryMs} ms)`,
      );
    }
  }

  start(): void {
    if (!this.running && !this.abort.signal.aborted) this.running = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  isLeader(): boolean {
    return this.leading !== undefined;
  }

  leader(): string | undefined {
    return this.observed || undefined;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private get path(): string {
    return objectPath(LEASES, this.opts.name, this.opts.namespace);
  }

  private async run(): Promise<void> {
    while (await this.acquire()) {
      this.startLeading();
      await this.renew();
      if (this.stopped && this.opts.releaseOnStop !== false) await this.release();
      this.stopLeading();
    }
  }

  /** true once the lease is ours; false when stopped first. */
  private async acquire(): Promise<boolean> {
    while (!this.stopped) {
      if ((await this.attempt(this.deadlineMs)) === "held") {
        if (!this.stopped) return true;
        // Acquired in the very moment of stopping: give it back at once.
        if (this.opts.releaseOnStop !== false) await this.release();
        return false;
      }
      if (!(await this.sleep(this.retryMs))) return false;
    }
    return false;
  }

  /** Renews every retryPeriod; returns when stopped, when another holder took over, or after renewDeadline without success. */
  private async renew(): Promise<void> {
    while (await this.sleep(this.retryMs)) {
      const deadline = this.clock.now() + this.deadlineMs;
      for (;;) {
        const left = deadline - this.clock.now();
        if (left <= 0) return;
        const outcome = await this.attempt(left);
        if (outcome === "held") break;
        if (outcome === "taken" || !(await this.sleep(Math.min(this.retryMs, left)))) return;
      }
    }
  }

  /** One try, abandoned after timeoutMs; errors go to onError and count as a failed try. */
  private async attempt(timeoutMs: number): Promise<Outcome> {
    const timeout = new AbortController();
    const done = new AbortController();
    this.clock.sleep(timeoutMs, done.signal).then(
      () => timeout.abort(new LeaderElectionError(`lease ${this.what}: no answer within ${timeoutMs} ms`)),
      () => {},
    );
    try {
      return await this.tryAcquireOrRenew(timeout.signal);
    } catch (err) {
      this.report(
        new LeaderElectionError(`lease ${this.what}: cannot acquire or renew: ${(err as Error).message}`, {
          cause: err,
        }),
      );
      return "failed";
    } finally {
      done.abort();
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<Outcome> {
    const now = this.clock.now();
    let current: Lease | undefined;
    try {
      current = await this.opts.client.request<Lease>("GET", this.path, { signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (current) {
      this.lease = current;
      const spec = current.spec ?? {};
      this.observe(spec.holderIdentity ?? "");
      if (spec.holderIdentity && spec.holderIdentity !== this.opts.identity && !isExpired(spec, now)) return "taken";
    }
    const body = this.nextLease(current, now);
    try {
      this.lease = current
        ? await this.opts.client.request<Lease>("PUT", this.path, { body, signal })
        : await this.opts.client.request<Lease>("POST", collectionPath(LEASES, this.opts.namespace), { body, signal });
    } catch (err) {
      if (isConflict(err)) return "failed"; // another replica wrote first (409 Conflict or AlreadyExists)
      throw err;
    }
    this.observe(this.opts.identity);
    return "held";
  }

  private nextLease(current: Lease | undefined, now: number): Lease {
    const spec = current?.spec ?? {};
    const mine = spec.holderIdentity === this.opts.identity;
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: current?.metadata ?? { name: this.opts.name, namespace: this.opts.namespace },
      spec: {
        holderIdentity: this.opts.identity,
        leaseDurationSeconds: Math.max(1, Math.ceil(this.leaseMs / 1000)),
        acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (current && !mine ? 1 : 0),
      },
    };
  }

  /** Empties the holder (1 s duration, as client-go does), so the next candidate need not wait. */
  private async release(): Promise<void> {
    const lease = this.lease;
    if (!lease || lease.spec?.holderIdentity !== this.opts.identity) return;
    const now = microTime(this.clock.now());
    const body: Lease = {
      ...lease,
      spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
    };
    try {
      this.lease = await this.opts.client.request<Lease>("PUT", this.path, { body });
      this.observe("");
    } catch (err) {
      if (!isConflict(err))
        this.report(
          new LeaderElectionError(`lease ${this.what}: cannot release: ${(err as Error).message}`, { cause: err }),
        );
    }
  }

  private startLeading(): void {
    const leading = new AbortController();
    this.leading = leading;
    Promise.resolve()
      .then(() => this.opts.onStartedLeading(leading.signal))
      .catch((err: unknown) =>
        this.report(
          new HandlerError(`lease ${this.what}: onStartedLeading failed: ${(err as Error).message}`, { cause: err }),
        ),
      );
  }

  private stopLeading(): void {
    this.leading?.abort();
    this.leading = undefined;
    try {
      this.opts.onStoppedLeading();
    } catch (err) {
      this.report(
        new HandlerError(`lease ${this.what}: onStoppedLeading failed: ${(err as Error).message}`, { cause: err }),
      );
    }
  }

  private observe(holder: string): void {
    if (holder === this.observed) return;
    this.observed = holder;
    if (holder) this.opts.onNewLeader?.(holder);
  }

  private get what(): string {
    return `${this.opts.namespace}/${this.opts.name}`;
  }

  /** false when stopped meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    return sleepUnlessStopped(this.clock, ms, this.abort.signal, () => this.stopped);
  }

  private report(err: Error): void {
    reportTo(this.opts.onError, err);
  }
}
