import { type KubeObject, systemClock } from "@kubedump/kube";
import type { Repository } from "@kubedump/repository";
import type { IndexRecord } from "@kubedump/repository/archive";
import { waitEstablished } from "./establish.js";
import type { RestoreFilter } from "./filters.js";
import { typeKeyOf } from "./keys.js";
import { describeRecord, type ObjectResult, type RestorerContext, restoreObject } from "./object-restorer.js";
import type { RestoreProgress } from "./options.js";
import { CRD_TYPE, type PlanStep, planRestore } from "./plan.js";
import type { RestoreReport } from "./report.js";
import { hasSelector, type SkipContext, skipReason } from "./skip.js";
import { readStepObjects, type StepObject } from "./step-reader.js";

export interface RunDeps {
  repository: Repository;
  snapshotId: string;
  ctx: RestorerContext & { uids: Map<string, string>; waiting: Set<string> };
  filter: RestoreFilter;
  skip: Omit<SkipContext, "servicesWithSelector">;
  /** Snapshot uids that some record names as its owner: only theirs go into the uid map. */
  ownerUids: ReadonlySet<string>;
  report: RestoreReport;
  concurrency: number;
  establishTimeoutMs: number;
  passDelayMs: number;
  onProgress?: (progress: RestoreProgress) => void;
  /** Objects done before the run (skipped from the index alone) and the total. */
  objectsDone: number;
  objects: number;
}

const MS_PER_S = 1000;

/**
 * The writing half of a restore: pass after pass over the records still to restore, each pass
 * planned (CRDs, Namespaces, the priority list, owners before dependents) and run step by step,
 * the objects of a step streamed from the snapshot and written concurrently. Objects whose types
 * the cluster does not serve yet wait for the next pass, after a rediscovery; when a pass makes
 * no progress, they fail with their reason.
 */
export class RestoreRun {
  private readonly servicesWithSelector = new Set<string>();
  private waits = new Map<IndexRecord, string>();
  private establish: string[] = [];
  private progress: RestoreProgress;

  constructor(private readonly deps: RunDeps) {
    const { objectsDone, objects } = deps;
    this.progress = {
      phase: "restoring",
      pass: 1,
      step: "",
      stepsDone: 0,
      steps: 0,
      stepObjectsDone: 0,
      stepObjects: 0,
      objectsDone,
      objects,
    };
  }

  async run(records: IndexRecord[]): Promise<void> {
    const { ctx, report } = this.deps;
    for (let pending = records, pass = 1; pending.length > 0; pass++) {
      this.waits = new Map();
      ctx.waiting.clear();
      const plan = planRestore(pending);
      if (pass === 1) report.warnings.push(...plan.cycles.map(describeCycle));
      this.progress = { ...this.progress, pass, steps: plan.steps.length, stepsDone: 0 };
      for (const step of plan.steps) await this.runStep(step);
      if (this.waits.size === 0) return;
      if (this.waits.size === pending.length) return this.failWaiting(pass);
      await systemClock.sleep(this.deps.passDelayMs, ctx.signal);
      await ctx.served.refresh();
      pending = [...this.waits.keys()];
    }
  }

  private async runStep(step: PlanStep): Promise<void> {
    const label = step.depth > 0 ? `${step.stage} (owned, level ${step.depth + 1})` : step.stage;
    this.report({ step: label, stepObjects: step.records.length, stepObjectsDone: 0 });
    const { concurrency } = this.deps;
    const inFlight = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    try {
      for await (const item of readStepObjects(this.deps.repository, this.deps.snapshotId, step.records)) {
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        if (failure) break;
        this.deps.ctx.signal?.throwIfAborted();
        const done: Promise<void> = this.handle(item)
          .catch((err: unknown) => {
            failure ??= { err };
          })
          .finally(() => inFlight.delete(done));
        inFlight.add(done);
      }
    } finally {
      await Promise.all(inFlight); // no write is left running, whatever stopped the step
    }
    if (failure) throw failure.err;
    if (step.awaitEstablished) await this.awaitEstablished();
    this.report({ stepsDone: this.progress.stepsDone + 1 });
  }

  private async handle(item: StepObject): Promise<void> {
    const { record } = item;
    const about = describeRecord(record, this.deps.ctx.mapping);
    if (item.problem !== undefined) return this.done({ ...about, outcome: "failed", reason: item.problem });
    if (!this.deps.filter.keepObject(item.object, record)) return this.done();
    const reason = skipReason(record, item.object, {
      ...this.deps.skip,
      servicesWithSelector: this.servicesWithSelector,
    });
    if (reason !== undefined) return this.done({ ...about, outcome: "skipped", reason });
    this.noteService(record, item.object);
    const result = await restoreObject(this.deps.ctx, record, item.object);
    if (result.entry) this.written(record, result);
    else {
      this.deps.ctx.waiting.add(record.uid);
      this.waits.set(record, result.waits);
    }
  }

  private written(record: IndexRecord, result: ObjectResult & { entry: object }): void {
    const { ctx, ownerUids } = this.deps;
    const { entry, uid } = result;
    if (uid !== undefined && ownerUids.has(record.uid)) ctx.uids.set(record.uid, uid);
    if (typeKeyOf(record) === CRD_TYPE && entry.outcome !== "failed" && !ctx.dryRun) this.establish.push(record.name);
    this.done(entry);
  }

  /** The endpoints controller writes the Endpoints of a Service with a selector: remember it for the skip rule. */
  private noteService(record: IndexRecord, object: KubeObject): void {
    if (typeKeyOf(record) === "services" && hasSelector(object)) {
      this.servicesWithSelector.add(`${record.namespace ?? ""}/${record.name}`);
    }
  }

  private async awaitEstablished(): Promise<void> {
    const { ctx, report, establishTimeoutMs } = this.deps;
    const names = this.establish;
    this.establish = [];
    if (names.length > 0) {
      this.report({ phase: "establishing" });
      const late = await waitEstablished(ctx.client, names, establishTimeoutMs, ctx.signal);
      for (const name of late) {
        report.warnings.push(
          `CustomResourceDefinition ${name} was not Established within ${establishTimeoutMs / MS_PER_S} s`,
        );
      }
      this.report({ phase: "restoring" });
    }
    await ctx.served.refresh();
  }

  private failWaiting(pass: number): void {
    const passes = pass === 1 ? "1 pass" : `${pass} passes`;
    for (const [record, reason] of this.waits) {
      this.done({
        ...describeRecord(record, this.deps.ctx.mapping),
        outcome: "failed",
        reason: `${reason} (still after ${passes})`,
      });
    }
  }

  private done(entry?: Parameters<RestoreReport["add"]>[0]): void {
    if (entry) this.deps.report.add(entry);
    this.report({ objectsDone: this.progress.objectsDone + 1, stepObjectsDone: this.progress.stepObjectsDone + 1 });
  }

  private report(change: Partial<RestoreProgress>): void {
    this.progress = { ...this.progress, ...change };
    this.deps.onProgress?.(this.progress);
  }
}

function describeCycle(cycle: ReturnType<typeof planRestore>["cycles"][number]): string {
  const names = cycle.cycle.map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`);
  return `ownership cycle ${names.join(" → ")}: ${cycle.record.name} was written before its owner ${cycle.owner.name}`;
}
