import {
  type Clock,
  isGone,
  type KubeClient,
  type KubeObject,
  listItemPages,
  type ResourceType,
  systemClock,
  watchEvents,
} from "@kubedump/kube";
import type { Format2Keys } from "@kubedump/repository/format2";
import { type ChangeInput, type GapReason, JournalBacklogError, type ObjectRef } from "@kubedump/repository/journal";
import { nameKey, recordedOf, type Seen } from "./object-change.js";
import { ObjectTable } from "./object-table.js";

/** Where a type recorder's changes go (the scope's journal, with its metrics). */
export interface ChangeSink {
  append(change: ChangeInput): Promise<void>;
  gap(from: number, to: number, reason: GapReason): Promise<void>;
  unchanged(): void;
  relisted(reason: RelistReason): void;
  watchOpened(delta: 1 | -1): void;
}

/**
 * Why a type is listed: its first list, a relist after a 410, a restart or a takeover, or (an
 * application's types) objects moved in or out of the application by a change of another.
 */
export type RelistReason = "start" | GapReason | "members";

/** Sees every object a type recorder lists or is told of, kept or not (an application's OwnerGraph). */
export interface ObjectObserver {
  /** A list begins. */
  listing(): void;
  /** An object listed, added or modified; called before `keep`. */
  seen(obj: KubeObject): void;
  /** The list ended: what it did not yield is gone. */
  listed(): void;
  deleted(obj: KubeObject): void;
}

/** One resource type to record: where to list and watch it, and which of its objects the scope keeps. */
export interface TypeTarget {
  rt: ResourceType;
  namespace?: string;
  fieldSelector?: string;
  labelSelector?: string;
  keep(obj: KubeObject): boolean;
  observer?: ObjectObserver;
}

export interface TypeRecorderOptions {
  client: KubeClient;
  target: TypeTarget;
  sink: ChangeSink;
  keys: Format2Keys | null;
  sanitize: boolean;
  /** What the journal held of this type when recording (re)started; the first list records the differences. */
  base?: ObjectTable;
  clock?: Clock;
  watchTimeoutSeconds: number;
  pageSize?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Runs a list: a scope's recorders share one, so that few types are listed at once (memory). */
  listGate?: <T>(list: () => Promise<T>) => Promise<T>;
  /** Called after each list (the first one ends the recorder's start). */
  onListed?(): void;
  onError(err: unknown): void;
}

/** The deletion of the object `key` (`namespace/name` or `name`) of type `rt`, known only by its absence. */
export function deletionOf(
  rt: Pick<ResourceType, "group" | "version" | "resource">,
  key: string,
  entry: Seen,
  time: number,
): ChangeInput {
  const slash = key.indexOf("/");
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const ref: ObjectRef =
    slash >= 0
      ? {
          group: rt.group,
          version: rt.version,
          resource: rt.resource,
          namespace: key.slice(0, slash),
          name,
          uid: entry.uid,
        }
      : { group: rt.group, version: rt.version, resource: rt.resource, name, uid: entry.uid };
  return { time, kind: "deleted", ref, resourceVersion: "" };
}

/** Records the deletion of every object of `seen` (a type no longer served) and forgets them. */
export async function recordDeletions(
  sink: Pick<ChangeSink, "append">,
  rt: Pick<ResourceType, "group" | "version" | "resource">,
  seen: ObjectTable,
  time: number,
): Promise<void> {
  for (const [key, entry] of seen) await sink.append(deletionOf(rt, key, entry, time));
  seen.clear();
}

const DEFAULT_BACKOFF_INITIAL_MS = 1000;
const DEFAULT_BACKOFF_MAX_MS = 30_000;

/**
 * Records one resource type: LIST, then WATCH with bookmarks from the list's resourceVersion, again
 * and again. Keeps per object only its uid and blob id, so an update whose stored YAML is the same
 * (a status-only or managedFields-only write) is dropped. A watch that ends with 410 Gone relists
 * and records a gap ("410") from the last moment the watch was known current, then the differences;
 * any other failure resumes the watch from its last resourceVersion after capped backoff.
 */
export class TypeRecorder {
  private readonly seen: ObjectTable;
  private readonly abort = new AbortController();
  /** Ends the current list or watch request: aborted by stop() and refresh(). */
  private request = new AbortController();
  private refreshing = false;
  private readonly clock: Clock;
  private running: Promise<void> | undefined;
  private pass = 0;
  /** The last moment the journal was sure of this type: the last event or bookmark, the last list. */
  private lastSure = 0;

  constructor(private readonly options: TypeRecorderOptions) {
    this.seen = options.base ?? new ObjectTable();
    this.clock = options.clock ?? systemClock;
  }

  /** The API group of the type (discovery may fail for a group: its types are then kept). */
  get group(): string {
    return this.options.target.rt.group;
  }

  get key(): string {
    const { rt, namespace } = this.options.target;
    return namespace ? `${rt.key} in ${namespace}` : rt.key;
  }

  /** Objects this type holds now (their hashes). */
  get size(): number {
    return this.seen.size;
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Ends the watch; resolves once the loop has stopped. Safe twice. */
  async stop(): Promise<void> {
    const stopped = new Error(`recorder of ${this.key} stopped`);
    this.abort.abort(stopped);
    this.request.abort(stopped);
    await this.running;
  }

  /**
   * Lists the type again and records how it differs from what is held (the objects `keep` takes
   * changed without a change of theirs); no gap: the watch was current until then.
   */
  refresh(): void {
    this.refreshing = true;
    this.request.abort(new Error(`recorder of ${this.key} refreshes`));
  }

  /** Records the deletion of every object still held (the type is no longer served); call after stop(). */
  async dropAll(): Promise<void> {
    await recordDeletions(this.options.sink, this.options.target.rt, this.seen, this.clock.now());
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /**
   * List, watch, watch again …. A 410 relists at once (a second one in a row backs off); a
   * change the journal refused (JournalBacklogError: flushes fail) relists after backoff, so the
   * outcome is recorded once it writes again, with a gap; anything else resumes the watch from
   * its last resourceVersion after backoff.
   */
  private async run(): Promise<void> {
    let resourceVersion: string | undefined;
    let reason: RelistReason = "start";
    let failures = 0;
    let gone = false;
    while (!this.stopped) {
      this.request = new AbortController();
      try {
        if (this.refreshing) {
          this.refreshing = false;
          if (resourceVersion !== undefined) [reason, resourceVersion] = ["members", undefined];
        }
        if (resourceVersion === undefined) {
          const why = reason;
          resourceVersion = await (this.options.listGate ?? ((list) => list()))(() => this.relist(why));
          failures = 0;
        }
        resourceVersion = await this.watch(resourceVersion);
        gone = false;
      } catch (err) {
        if (this.stopped) return;
        if (this.refreshing) continue;
        if (isGone(err) || err instanceof JournalBacklogError) {
          if (resourceVersion !== undefined) reason = isGone(err) ? "410" : "restart";
          resourceVersion = undefined;
        }
        if (isGone(err) && !gone) {
          gone = true;
          continue;
        }
        gone = false;
        this.options.onError(err);
        const { backoffInitialMs = DEFAULT_BACKOFF_INITIAL_MS, backoffMaxMs = DEFAULT_BACKOFF_MAX_MS } = this.options;
        await this.sleep(Math.min(backoffMaxMs, backoffInitialMs * 2 ** failures++));
      }
    }
  }

  /** Lists the type and records how it differs from what is held; returns the list's resourceVersion. */
  private async relist(reason: RelistReason): Promise<string> {
    const { client, target, pageSize, sink } = this.options;
    const time = this.clock.now();
    const pass = ++this.pass;
    // The gap first (to the list's time, which its differences carry), so that no reader sees them
    // a flush before it; a relist that fails leaves the next a gap from here.
    if (reason !== "start" && reason !== "members") {
      await sink.gap(Math.min(this.lastSure || time, time), time, reason);
      this.lastSure = time;
    }
    target.observer?.listing();
    const pages = listItemPages(client, target.rt, {
      namespace: target.namespace,
      labelSelector: target.labelSelector,
      fieldSelector: target.fieldSelector,
      limit: pageSize,
      restartOnExpiry: false,
      omitManagedFields: this.options.sanitize,
      signal: this.request.signal,
    });
    let next = await pages.next();
    for (; !next.done; next = await pages.next())
      for (const obj of next.value) {
        target.observer?.seen(obj);
        if (target.keep(obj)) await this.record(time, obj);
      }
    target.observer?.listed();
    for (const [key, entry] of this.seen.unseenIn(pass)) {
      this.seen.delete(key);
      await this.deleted(time, key, entry);
    }
    sink.relisted(reason);
    this.options.onListed?.();
    this.lastSure = time;
    return next.value.resourceVersion;
  }

  /** One watch request; returns the last resourceVersion seen when the server ends it. */
  private async watch(from: string): Promise<string> {
    const { client, target, sink } = this.options;
    let resourceVersion = from;
    sink.watchOpened(1);
    try {
      const stream = watchEvents(client, target.rt, {
        namespace: target.namespace,
        labelSelector: target.labelSelector,
        fieldSelector: target.fieldSelector,
        resourceVersion,
        timeoutSeconds: this.options.watchTimeoutSeconds,
        signal: this.request.signal,
      });
      for await (const { type, object } of stream) {
        const time = this.clock.now();
        const rv = object.metadata.resourceVersion;
        if (typeof rv === "string") resourceVersion = rv;
        if (type === "DELETED") target.observer?.deleted(object);
        else if (type !== "BOOKMARK") target.observer?.seen(object);
        if (type === "DELETED" || (type !== "BOOKMARK" && !target.keep(object))) await this.gone(time, object);
        else if (type !== "BOOKMARK") await this.record(time, object);
        this.lastSure = time;
      }
    } finally {
      sink.watchOpened(-1);
    }
    return resourceVersion;
  }

  /**
   * Records `obj` unless its stored YAML is what is held (a re-creation is a deletion and an
   * addition); either way it is held with the current pass, so a relist's sweep keeps it.
   */
  private async record(time: number, obj: KubeObject): Promise<void> {
    const { target, sanitize, keys, sink } = this.options;
    const key = nameKey(obj.metadata.name, target.rt.namespaced ? obj.metadata.namespace : undefined);
    const now = recordedOf(obj, target.rt, sanitize, keys);
    const held = this.seen.get(key);
    const same = held !== undefined && (held.uid === now.ref.uid || held.uid === "");
    if (held && same && held.blob === now.blob) {
      this.seen.touch(key, now.ref.uid, this.pass);
      sink.unchanged();
      return;
    }
    if (held && !same) await this.deleted(time, key, held);
    const { ref, resourceVersion, data } = now;
    await sink.append({ time, kind: same ? "modified" : "added", ref, resourceVersion, data });
    this.seen.set(key, { uid: now.ref.uid, blob: now.blob, pass: this.pass });
  }

  /** A DELETED event (or an object leaving the scope's filters): recorded with its last state. */
  private async gone(time: number, obj: KubeObject): Promise<void> {
    const { target, sanitize, keys, sink } = this.options;
    const key = nameKey(obj.metadata.name, target.rt.namespaced ? obj.metadata.namespace : undefined);
    if (this.seen.delete(key) === undefined) return;
    const last = recordedOf(obj, target.rt, sanitize, keys);
    await sink.append({ time, kind: "deleted", ref: last.ref, resourceVersion: last.resourceVersion, data: last.data });
  }

  /** A deletion seen only as an absence (a relist, a re-creation with a new uid): no last state. */
  private async deleted(time: number, key: string, entry: Seen): Promise<void> {
    await this.options.sink.append(deletionOf(this.options.target.rt, key, entry, time));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.abort.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done);
    });
  }
}
