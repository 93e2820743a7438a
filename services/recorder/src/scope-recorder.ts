import { type BackupConfiguration, ConditionReason } from "@kubedump/api";
import { configDumpSpec, type DumpOptions, describeScope } from "@kubedump/dump";
import type { Clock, KubeClient } from "@kubedump/kube";
import {
  type GapReason,
  type JournalGap,
  JournalReader,
  type JournalScope,
  JournalWriter,
} from "@kubedump/repository/journal";
import type { Format2Keys } from "@kubedump/repository/format2";
import type { Logger } from "@kubedump/service";
import { loadJournalBase } from "./journal-base.js";
import { JournalSink } from "./journal-sink.js";
import { createListGate } from "./list-gate.js";
import { type JournalTargetOpener, RecordingBlockedError } from "./journal-target.js";
import type { RecorderMetrics } from "./metrics.js";
import type { ObjectTable } from "./object-table.js";
import { OwnerGraph } from "./owner-graph.js";
import { type RecordingStatus, writeRecordingStatus } from "./status.js";
import { recordDeletions, TypeRecorder } from "./type-recorder.js";
import { loadOwners, planWatches, type WatchPlan } from "./watch-plan.js";

/** Types of one scope listed at once. @defaultValue 2 */
export const DEFAULT_LISTS_AT_ONCE = 2;

export interface ScopeRecorderSettings {
  /** @defaultValue DEFAULT_LISTS_AT_ONCE */
  listsAtOnce?: number;
  discoveryMs: number;
  watchTimeoutSeconds: number;
  flushEveryMs: number;
  flushEveryChanges: number;
  indexCacheDir?: string;
  pageSize?: number;
  backoffInitialMs?: number;
}

export interface ScopeRecorderDeps {
  client: KubeClient;
  log: Logger;
  metrics: RecorderMetrics;
  openTarget: JournalTargetOpener;
  settings: ScopeRecorderSettings;
  clock: Clock;
  /** A name for this process in the journal's locks. */
  identity: string;
}

/**
 * Records one Continuous BackupConfiguration: opens its format-2 Repository, takes the journal's
 * state now as the base (stateAt), plans its watches from discovery, relists every type and
 * records — after a gap ("restart" or "takeover") from the journal's end to the relist — the
 * differences, then follows each type's watch. Discovery runs again every discoveryMs: types that
 * appear are listed and watched, types that go have their objects recorded as deleted. An
 * application scope also keeps its OwnerGraph: objects it moves in or out of the application have
 * their types relisted.
 */
export class ScopeRecorder {
  private readonly types = new Map<string, TypeRecorder>();
  private writer: JournalWriter | undefined;
  private sink: JournalSink | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly ref: { namespace: string; name: string };
  private since = 0;
  private graph: OwnerGraph | undefined;
  private readonly listGate: <T>(list: () => Promise<T>) => Promise<T>;

  constructor(
    private readonly deps: ScopeRecorderDeps,
    private readonly config: BackupConfiguration,
  ) {
    this.ref = { namespace: config.metadata.namespace ?? "default", name: config.metadata.name ?? "" };
    this.listGate = createListGate(deps.settings.listsAtOnce ?? DEFAULT_LISTS_AT_ONCE);
  }

  /** Starts recording; a RecordingBlockedError or any other failure is written to the status and thrown. */
  async start(reason: GapReason): Promise<void> {
    try {
      await this.begin(reason);
    } catch (err) {
      const stopping = this.stopped;
      await this.stop();
      if (stopping) return;
      const blocked = err instanceof RecordingBlockedError;
      await this.status({
        recording: false,
        reason: blocked ? err.reason : ConditionReason.RecordingFailed,
        message: (err as Error).message,
      }).catch((e: unknown) => this.deps.log.warn({ ...this.ref, err: (e as Error).message }, "status write failed"));
      throw err;
    }
  }

  /** Stops the watches and writes what waits; safe twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all([...this.types.values()].map((t) => t.stop()));
    this.types.clear();
    await this.writer?.close().catch((err: unknown) => this.deps.log.warn({ ...this.ref, err }, "last flush failed"));
  }

  /** Seconds since the oldest change not yet stored. */
  lagSeconds(): number {
    return this.sink?.lagSeconds(this.deps.clock.now()) ?? 0;
  }

  private async begin(reason: GapReason): Promise<void> {
    const { deps, config, ref } = this;
    const spec = configDumpSpec({ ...config, metadata: { ...config.metadata, namespace: ref.namespace } });
    if ("errors" in spec) throw new RecordingBlockedError(ConditionReason.InvalidSpec, spec.errors.join("; "));
    const { store, keys } = await deps.openTarget(ref.namespace, config.spec.repository.name);
    const scope: JournalScope = { scope: describeScope(spec.options.scope), params: spec.params };
    const start = deps.clock.now();
    const base = await loadJournalBase(new JournalReader({ store, keys, scope }), start);
    if (spec.options.scope.type === "application")
      this.graph = new OwnerGraph((types) => {
        for (const key of types) this.types.get(key)?.refresh();
      });
    const plan = await planWatches(deps.client, spec.options, this.graph);
    if (this.graph) await loadOwners(deps.client, plan, deps.settings.pageSize);
    const { flushEveryMs, flushEveryChanges, indexCacheDir } = deps.settings;
    this.writer = new JournalWriter({
      store,
      keys,
      scope,
      flushEveryMs,
      flushEveryChanges,
      indexCacheDir,
      holder: `recorder ${deps.identity} of BackupConfiguration ${ref.namespace}/${ref.name}`,
      onSegment: () => deps.metrics.segments.inc(ref),
      onFlushError: (err) => {
        deps.metrics.flushFailures.inc(ref);
        deps.log.warn({ ...ref, err: (err as Error).message }, "journal flush failed; its changes wait");
      },
    });
    let lastGap: JournalGap | undefined;
    this.sink = new JournalSink({
      writer: this.writer,
      metrics: deps.metrics,
      labels: ref,
      onGap: (gap) => {
        lastGap = gap;
        if (gap.reason === "410") void this.reportGap(gap);
      },
    });
    // The gap first, up to the relist's beginning: its differences come at their lists' times, after
    // it, so no reader sees them (a flush earlier) as changes the journal saw happen.
    if (base.sureUntil !== undefined) await this.sink.gap(base.sureUntil, deps.clock.now(), reason);
    const listed = this.startTypes(plan, spec.options, keys, base.types);
    await this.dropGoneTypes(plan, base.types);
    await listed;
    if (this.stopped) return this.stop();
    this.since = start;
    this.scheduleDiscovery(spec.options, keys);
    deps.log.info({ ...ref, types: this.types.size, scope: this.writer.scopeId, reason }, "recording");
    await this.status({ recording: true, ...this.recordingMessage(), since: start, lastGap }).catch((err: unknown) =>
      deps.log.warn({ ...ref, err: (err as Error).message }, "status write failed"),
    );
  }

  /** Starts a type recorder for each target not recorded yet; resolves once each listed once (or failed to). */
  private startTypes(
    plan: WatchPlan,
    options: DumpOptions,
    keys: Format2Keys | null,
    base: Map<string, ObjectTable>,
  ): Promise<unknown> {
    const firsts: Promise<void>[] = [];
    if (this.stopped) return Promise.resolve();
    for (const [key, target] of plan.targets) {
      if (this.types.has(key)) continue;
      let listed!: () => void;
      firsts.push(new Promise<void>((resolve) => (listed = resolve)));
      const recorder = new TypeRecorder({
        client: this.deps.client,
        target,
        sink: this.journal,
        keys,
        sanitize: options.sanitize !== false,
        base: base.get(target.rt.key),
        clock: this.deps.clock,
        watchTimeoutSeconds: this.deps.settings.watchTimeoutSeconds,
        pageSize: this.deps.settings.pageSize,
        backoffInitialMs: this.deps.settings.backoffInitialMs,
        listGate: this.listGate,
        onListed: () => listed(),
        onError: (err) => {
          listed();
          this.deps.log.warn(
            { ...this.ref, type: key, err: (err as Error).message },
            "recording a type failed; retrying",
          );
        },
      });
      base.delete(target.rt.key);
      this.types.set(key, recorder);
      recorder.start();
    }
    return Promise.all(firsts);
  }

  /** Objects of the base whose types are no longer served (a CRD deleted while nobody recorded): deleted now. */
  private async dropGoneTypes(plan: WatchPlan, base: Map<string, ObjectTable>): Promise<void> {
    const time = this.deps.clock.now();
    for (const [key, seen] of base) {
      const dot = key.indexOf(".");
      const [resource, group] = dot >= 0 ? [key.slice(0, dot), key.slice(dot + 1)] : [key, ""];
      if (!plan.unavailableGroups.has(group))
        await recordDeletions(this.journal, { group, version: "", resource }, seen, time);
    }
  }

  /** Runs discovery again every discoveryMs: new types are recorded, types gone have their objects deleted. */
  private scheduleDiscovery(options: DumpOptions, keys: Format2Keys | null): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.rediscover(options, keys)
        .catch((err: unknown) => this.deps.log.warn({ ...this.ref, err: (err as Error).message }, "discovery failed"))
        .finally(() => this.scheduleDiscovery(options, keys));
    }, this.deps.settings.discoveryMs);
    this.timer.unref();
  }

  private async rediscover(options: DumpOptions, keys: Format2Keys | null): Promise<void> {
    const plan = await planWatches(this.deps.client, options, this.graph);
    if (this.stopped) return;
    const before = this.types.size;
    await this.startTypes(plan, options, keys, new Map());
    const dropped: string[] = [];
    for (const [key, recorder] of this.types) {
      if (plan.targets.has(key) || plan.unavailableGroups.has(recorder.group)) continue;
      this.types.delete(key);
      await recorder.stop();
      await recorder.dropAll();
      this.graph?.dropType(key);
      dropped.push(key);
    }
    if (this.types.size !== before || dropped.length) {
      this.deps.log.info({ ...this.ref, types: this.types.size, dropped }, "resource types changed");
      await this.status({ recording: true, ...this.recordingMessage() });
    }
  }

  private get journal(): JournalSink {
    if (!this.sink) throw new Error(`recorder of ${this.ref.namespace}/${this.ref.name} has not started`);
    return this.sink;
  }

  private recordingMessage(): { reason: string; message: string } {
    return {
      reason: ConditionReason.Recording,
      message: `journal ${this.writer?.scopeId.slice(0, 12)} in Repository ${this.ref.namespace}/${this.config.spec.repository.name}: ${this.types.size} resource types watched`,
    };
  }

  private async reportGap(gap: JournalGap): Promise<void> {
    await this.status({ recording: true, ...this.recordingMessage(), since: this.since, lastGap: gap }).catch(
      (err: unknown) => this.deps.log.warn({ ...this.ref, err: (err as Error).message }, "status write failed"),
    );
  }

  private status(next: RecordingStatus): Promise<void> {
    return writeRecordingStatus(this.deps.client, this.ref, next, new Date(this.deps.clock.now()));
  }
}
