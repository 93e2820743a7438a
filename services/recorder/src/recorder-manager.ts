import { type BackupConfiguration, resourceTypeOf, validateBackupConfiguration } from "@kubedump/api";
import { createInformer, type Informer, type KubeObject } from "@kubedump/kube";
import type { GapReason } from "@kubedump/repository/journal";
import { ScopeRecorder, type ScopeRecorderDeps } from "./scope-recorder.js";

export interface RecorderManagerDeps extends ScopeRecorderDeps {
  /** One namespace's BackupConfigurations only. */
  namespace?: string;
  resyncMs: number;
  /** Why recording starts: this process restarted, or it took over from another replica. */
  reason: GapReason;
}

/** One running (or failed, retried on resync) recorder, and the spec it was started for. */
interface Running {
  fingerprint: string;
  recorder: ScopeRecorder;
  /** Its start failed: the next resync starts it again. */
  failed: boolean;
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

/** What decides a recorder's journal: its Repository, target and task params; other changes leave it running. */
const fingerprintOf = (c: BackupConfiguration) =>
  JSON.stringify([c.metadata.uid, c.spec.repository.name, c.spec.target ?? null, c.spec.task?.params ?? []]);

/**
 * Keeps one ScopeRecorder per BackupConfiguration whose spec.mode is Continuous, from an informer
 * of BackupConfigurations (level-triggered: every event and every resync reconciles the object
 * as it is). A recorder that could not start is started again on the next resync.
 */
export class RecorderManager {
  private readonly running = new Map<string, Running>();
  private readonly informer: Informer;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: RecorderManagerDeps) {
    const reconcile = (o: KubeObject) => this.serial(() => this.reconcile(keyOf(o), o));
    this.informer = createInformer({
      client: deps.client,
      rt: resourceTypeOf("BackupConfiguration"),
      namespace: deps.namespace,
      resyncMs: deps.resyncMs,
      clock: deps.clock,
      onAdd: reconcile,
      onUpdate: (_old, o) => reconcile(o),
      onDelete: (o) => this.serial(() => this.reconcile(keyOf(o), undefined)),
      onResync: (all) => this.serial(() => this.resync(all)),
      onError: (err) => deps.log.warn({ err: err.message }, "watching BackupConfigurations"),
    });
  }

  start(): void {
    this.informer.start();
  }

  hasSynced(): boolean {
    return this.informer.hasSynced();
  }

  /** The lag of every recorder, for the gauge. */
  lags(): { namespace: string; name: string; seconds: number }[] {
    return [...this.running.entries()].map(([key, r]) => {
      const [namespace = "", name = ""] = key.split("/");
      return { namespace, name, seconds: r.recorder.lagSeconds() };
    });
  }

  /** Stops the informer and every recorder (each flushes what waits). */
  async stop(): Promise<void> {
    this.closed = true;
    await this.informer.stop();
    await this.chain;
    await Promise.all([...this.running.values()].map((r) => r.recorder.stop()));
    this.running.clear();
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(fn).catch((err: unknown) => this.deps.log.error({ err }, "reconcile failed"));
    return this.chain;
  }

  private async resync(all: KubeObject[]): Promise<void> {
    const present = new Set(all.map(keyOf));
    for (const key of this.running.keys()) if (!present.has(key)) await this.reconcile(key, undefined);
    for (const o of all) await this.reconcile(keyOf(o), o, true);
  }

  private async reconcile(key: string, obj: KubeObject | undefined, retryFailed = false): Promise<void> {
    if (this.closed) return;
    const valid = obj && validateBackupConfiguration(obj);
    const config = valid?.ok && valid.value.spec.mode === "Continuous" ? valid.value : undefined;
    const current = this.running.get(key);
    const fingerprint = config && fingerprintOf(config);
    if (current && current.fingerprint === fingerprint && !(retryFailed && current.failed)) return;
    if (current) {
      this.running.delete(key);
      await current.recorder.stop();
      this.deps.log.info({ config: key }, "recording stopped");
    }
    if (!config || !fingerprint) return;
    // A spec change or a retry continues this process's own journal: a restart, not a takeover.
    const reason = current ? "restart" : this.deps.reason;
    const running: Running = { fingerprint, recorder: new ScopeRecorder(this.deps, config), failed: false };
    this.running.set(key, running);
    running.recorder.start(reason).catch((err: unknown) => {
      running.failed = true;
      this.deps.log.warn({ config: key, err: (err as Error).message }, "recording could not start; retried on resync");
    });
  }
}
