import type { KubeClient } from "./client.js";
import { HandlerError, InformerStoppedError, isGone, KubeUnreachableError } from "./errors.js";
import { listPages } from "./list.js";
import { type Clock, systemClock } from "./rate-limiter.js";
import type { KubeObject, ResourceType } from "./resources.js";
import { DEFAULT_WATCH_TIMEOUT_SECONDS, type WatchEvent, watchEvents } from "./watch.js";
import { reportTo, sleepUnlessStopped } from "./background.js";

export const DEFAULT_BACKOFF_INITIAL_MS = 1_000;
export const DEFAULT_BACKOFF_MAX_MS = 30_000;
/** A watch that ends sooner than this without a single event counts as a failure (backoff). */
const MIN_WATCH_MS = 1_000;

type Handler<A extends unknown[]> = (...args: A) => void | Promise<void>;

export interface InformerOptions<T extends KubeObject = KubeObject> {
  client: KubeClient;
  rt: ResourceType;
  /** One namespace; omitted: all of them. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Calls onResync with every cached object this often (0 or omitted: never). */
  resyncMs?: number;
  /** Time and delays (backoff, resync) — a fake one lets tests control them. */
  clock?: Clock;
  /** Restart backoff: doubles from initial to max after each failure, reset by a successful list. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** How long one watch request lasts before it is renewed from its last resourceVersion. */
  watchTimeoutSeconds?: number;
  /** LIST page size. */
  pageSize?: number;
  /** Handlers are awaited one at a time, in the order of the changes. */
  onAdd?: Handler<[obj: T]>;
  onUpdate?: Handler<[oldObj: T, newObj: T]>;
  onDelete?: Handler<[obj: T]>;
  onResync?: Handler<[all: T[]]>;
  /** A failure the informer recovers from by itself (it restarts after backoff), or a handler that threw. */
  onError?: (err: Error) => void;
}

export interface Informer<T extends KubeObject = KubeObject> {
  /** Resolves after the first list is in the cache; rejects with InformerStoppedError if stopped before. */
  readonly synced: Promise<void>;
  hasSynced(): boolean;
  /** Lists, then watches; restarts by itself until stop(). A second call does nothing. */
  start(): void;
  /** Ends the watch, timers and socket; resolves when the informer has come to rest. Safe twice. */
  stop(): Promise<void>;
  get(name: string, namespace?: string): T | undefined;
  list(): T[];
}

/** `namespace/name`, or `name` for cluster-scoped objects — the cache key. */
export const cacheKey = (name: string, namespace?: string): string => (namespace ? `${namespace}/${name}` : name);
const keyOf = (o: KubeObject): string => cacheKey(o.metadata.name, o.metadata.namespace);
const versionOf = (o: KubeObject): string | undefined =>
  typeof o.metadata.resourceVersion === "string" ? o.metadata.resourceVersion : undefined;

/**
 * A cache of one resource type kept current by list + watch, in the manner of client-go's shared
 * informer. 410 Gone (HTTP status or watch ERROR) → relist at once and emit the difference; any
 * other failure or a dropped connection → relist after capped exponential backoff.
 */
export function createInformer<T extends KubeObject = KubeObject>(opts: InformerOptions<T>): Informer<T> {
  return new ListWatchInformer(opts);
}

class ListWatchInformer<T extends KubeObject> implements Informer<T> {
  readonly synced: Promise<void>;
  private readonly cache = new Map<string, T>();
  private readonly abort = new AbortController();
  private readonly clock: Clock;
  private markSynced!: () => void;
  private failSynced!: (err: Error) => void;
  private isSynced = false;
  private running?: Promise<unknown>;

  constructor(private readonly opts: InformerOptions<T>) {
    this.clock = opts.clock ?? systemClock;
    this.synced = new Promise<void>((resolve, reject) => {
      this.markSynced = resolve;
      this.failSynced = reject;
    });
    this.synced.catch(() => {}); // a caller that never awaits it must not see an unhandled rejection
  }

  hasSynced(): boolean {
    return this.isSynced;
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = Promise.all([this.run(), this.resyncLoop()]);
  }

  async stop(): Promise<void> {
    if (!this.stopped) {
      this.abort.abort(new InformerStoppedError(`informer of ${this.what} stopped`));
      this.failSynced(new InformerStoppedError(`informer of ${this.what} stopped before it synced`));
    }
    await this.running;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(cacheKey(name, namespace));
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private get what(): string {
    return this.opts.namespace ? `${this.opts.rt.key} in ${this.opts.namespace}` : this.opts.rt.key;
  }

  /** List, watch, watch again …; on failure relist, at once after a 410, else after backoff. */
  private async run(): Promise<void> {
    let failures = 0;
    let resourceVersion: string | undefined; // undefined: (re)list first
    let lastWasGone = false;
    while (!this.stopped) {
      try {
        if (resourceVersion === undefined) {
          resourceVersion = await this.relist();
          failures = 0;
        }
        resourceVersion = await this.watch(resourceVersion);
        lastWasGone = false;
      } catch (err) {
        if (this.stopped) return;
        resourceVersion = undefined;
        // A second 410 in a row (the relist's continue token expired too) takes the backoff path.
        if (isGone(err) && !lastWasGone) {
          lastWasGone = true;
          continue;
        }
        lastWasGone = false;
        this.report(err);
        const { backoffInitialMs = DEFAULT_BACKOFF_INITIAL_MS, backoffMaxMs = DEFAULT_BACKOFF_MAX_MS } = this.opts;
        await this.sleep(Math.min(backoffMaxMs, backoffInitialMs * 2 ** failures++));
      }
    }
  }

  /** Lists into a fresh map (one consistent snapshot), emits the difference to the cache, returns its resourceVersion. */
  private async relist(): Promise<string> {
    const { client, rt, namespace, labelSelector, fieldSelector, pageSize } = this.opts;
    const pages = listPages(client, rt, {
      namespace,
      labelSelector,
      fieldSelector,
      limit: pageSize,
      restartOnExpiry: false,
      signal: this.abort.signal,
    });
    const fresh = new Map<string, T>();
    let next = await pages.next();
    for (; !next.done; next = await pages.next()) for (const o of next.value) fresh.set(keyOf(o), o as T);
    await this.replace(fresh);
    if (!this.isSynced && !this.stopped) {
      this.isSynced = true;
      this.markSynced();
    }
    return next.value.resourceVersion;
  }

  private async replace(fresh: Map<string, T>): Promise<void> {
    const { onAdd, onUpdate, onDelete } = this.opts;
    for (const [key, old] of this.cache) {
      if (fresh.has(key)) continue;
      this.cache.delete(key);
      await this.emit(onDelete, old);
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (!old) {
        await this.emit(onAdd, obj);
      } else if (old.metadata.uid !== obj.metadata.uid) {
        // Deleted and created again while we were not watching: two different objects.
        await this.emit(onDelete, old);
        await this.emit(onAdd, obj);
      } else if (versionOf(old) !== versionOf(obj)) {
        await this.emit(onUpdate, old, obj);
      }
    }
  }

  /** One watch request; returns the last resourceVersion seen when the server ends it. */
  private async watch(from: string): Promise<string> {
    const { client, rt, namespace, labelSelector, fieldSelector } = this.opts;
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? DEFAULT_WATCH_TIMEOUT_SECONDS;
    const started = this.clock.now();
    let resourceVersion = from;
    let events = 0;
    const stream = watchEvents<T>(client, rt, {
      namespace,
      labelSelector,
      fieldSelector,
      resourceVersion,
      timeoutSeconds,
      signal: this.abort.signal,
    });
    for await (const event of stream) {
      events++;
      resourceVersion = versionOf(event.object) ?? resourceVersion;
      await this.apply(event);
    }
    if (events === 0 && this.clock.now() - started < Math.min(MIN_WATCH_MS, timeoutSeconds * 1000)) {
      throw new KubeUnreachableError(`watch of ${this.what} was closed at once, without events`);
    }
    return resourceVersion;
  }

  private async apply({ type, object }: WatchEvent<T>): Promise<void> {
    if (type === "BOOKMARK") return;
    const key = keyOf(object);
    const old = this.cache.get(key);
    if (type === "DELETED") {
      if (!old) return;
      this.cache.delete(key);
      await this.emit(this.opts.onDelete, object);
      return;
    }
    this.cache.set(key, object);
    if (old) await this.emit(this.opts.onUpdate, old, object);
    else await this.emit(this.opts.onAdd, object);
  }

  private async resyncLoop(): Promise<void> {
    const every = this.opts.resyncMs ?? 0;
    if (every <= 0) return;
    await this.synced.catch(() => {});
    while (!this.stopped && (await this.sleep(every))) await this.emit(this.opts.onResync, this.list());
  }

  private async emit<A extends unknown[]>(handler: Handler<A> | undefined, ...args: A): Promise<void> {
    if (!handler || this.stopped) return;
    try {
      await handler(...args);
    } catch (err) {
      this.report(
        new HandlerError(`a handler of the informer of ${this.what} failed: ${(err as Error).message}`, { cause: err }),
      );
    }
  }

  /** false when stopped meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    return sleepUnlessStopped(this.clock, ms, this.abort.signal, () => this.stopped);
  }

  private report(err: unknown): void {
    reportTo(this.opts.onError, err);
  }
}
