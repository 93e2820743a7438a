import { type KubeClient, type KubeObject, KubeUnreachableError, LabelKeys } from "@kubedump/kube";
import type { PlanStep } from "./application.js";
import type { DumpReuse, DumpSink } from "./dump-sink.js";
import { listPlan } from "./list-plan.js";
import type { DumpOptions } from "./options.js";
import { createPageWriter, type PageWriter } from "./page-writer.js";
import { type DumpPlan, planDump } from "./plan-dump.js";
import { RecordQueue } from "./record-queue.js";

export interface DumpProgress {
  resource: string;
  resourcesDone: number;
  resourcesTotal: number;
  objects: number;
  bytes: number;
}

export interface DumpDeps {
  client: KubeClient;
  sink: DumpSink;
  onProgress?: (p: DumpProgress) => void;
  /** Aborts between pages (a timeOut, a shutdown); the dump then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Format 2: finds objects unchanged since the last snapshot of the same scope, stored already.
   * A promise is awaited once the dump is planned, so that what it loads overlaps discovery.
   */
  reuse?: DumpReuse | Promise<DumpReuse | undefined>;
}

/** DumpDeps once the reuse is known. */
type ReadyDeps = Omit<DumpDeps, "reuse"> & { reuse?: DumpReuse };

export interface DumpResult {
  objects: number;
  /** Uncompressed YAML bytes. */
  bytes: number;
  /** Objects unchanged since the last snapshot, whose stored YAML was reused (DumpDeps.reuse). */
  reused: number;
  /** Objects per `resource[.group]`. */
  counts: Record<string, number>;
  /** API groups that could not be discovered and resource types that could not be listed. */
  warnings: string[];
  /** Resource types whose listing failed (the backup is then partial). */
  failedResources: string[];
  serverVersion?: string;
}

/** discover → filter → list pages → keep → sanitize → serialize → sink, one resource type at a time. */
export async function runDump(given: DumpDeps, opts: DumpOptions): Promise<DumpResult> {
  const plan = await planDump(given.client, opts);
  const deps: ReadyDeps = { ...given, reuse: await given.reuse };
  const { filters } = plan;
  const result: DumpResult = {
    objects: 0,
    bytes: 0,
    reused: 0,
    counts: {},
    failedResources: [],
    serverVersion: plan.serverVersion,
    warnings: plan.warnings,
  };
  const records = new RecordQueue(deps.sink);
  const writePage = createPageWriter({
    sink: deps.sink,
    records,
    sanitize: opts.sanitize !== false,
    reuse: deps.reuse,
  });
  /** Writes a page and counts what it added. */
  const write: PageWriter = async (objects, rt, keep) => {
    const written = await writePage(objects, rt, keep);
    if (written.objects === 0) return written;
    result.objects += written.objects;
    result.bytes += written.bytes;
    result.reused += written.reused;
    result.counts[rt.key] = (result.counts[rt.key] ?? 0) + written.objects;
    return written;
  };
  const { lead } = plan;
  let done: number;
  try {
    if (lead) await write(lead.objects, lead.rt, (obj) => filters.keep(obj, lead.rt));
    done = await writeListed({ deps, opts, plan, result, write });
  } catch (err) {
    // what was given to the sink ends before the dump reports its failure: nothing runs after it
    await records.flush().catch(() => {});
    throw err;
  }
  await records.flush();
  deps.onProgress?.({
    resource: "",
    resourcesDone: done,
    resourcesTotal: plan.steps.length,
    objects: result.objects,
    bytes: result.bytes,
  });
  return result;
}

/** A dump under way: what it was asked, its plan, what it found so far and how it writes a page. */
interface DumpRun {
  deps: ReadyDeps;
  opts: DumpOptions;
  plan: DumpPlan;
  result: DumpResult;
  write: PageWriter;
}

/** Lists the plan's steps and writes their pages; resolves with the number of steps done. */
async function writeListed({ deps, opts, plan, result, write }: DumpRun): Promise<number> {
  const { filters } = plan;
  const keep =
    ({ only, rt }: PlanStep) =>
    (obj: KubeObject) =>
      (!only || only.has(obj.metadata.uid ?? "")) && filters.keep(obj, rt);
  const changedOnly = deps.reuse && { reuse: deps.reuse, keep, labels: LabelKeys.of(filters.labelKeys) };
  let done = 0;
  /** Objects written of the step being listed: a listing that fails after some pages says how many made it. */
  let kept = { step: undefined as PlanStep | undefined, objects: 0 };
  for await (const item of listPlan(deps.client, plan.steps, opts, changedOnly)) {
    deps.signal?.throwIfAborted();
    const { step } = item;
    if (kept.step !== step) kept = { step, objects: 0 };
    if ("page" in item) {
      const { rt } = step;
      try {
        const written = await write(item.page, rt, keep(step));
        kept.objects += written.objects;
      } catch (err) {
        // Items are parsed as they are written: a response that is not JSON fails here, not in the LIST.
        if (!(err instanceof SyntaxError)) throw err;
        listingFailed(result, step, err, kept.objects);
      }
      deps.onProgress?.({
        resource: rt.key,
        resourcesDone: done,
        resourcesTotal: plan.steps.length,
        objects: result.objects,
        bytes: result.bytes,
      });
      continue;
    }
    if ("error" in item) {
      if (item.error instanceof KubeUnreachableError) throw item.error;
      listingFailed(result, step, item.error as Error, kept.objects);
    }
    done++;
  }
  return done;
}

/**
 * Records a step whose listing failed: its type once, also when listed per namespace, and a
 * warning that says how many of its objects the snapshot holds when pages came before the failure.
 */
function listingFailed(result: DumpResult, step: PlanStep, error: Error, kept: number): void {
  const { key } = step.rt;
  if (!result.failedResources.includes(key)) result.failedResources.push(key);
  const where = step.namespace ? ` in namespace ${step.namespace}` : "";
  const there = where ? " there" : "";
  result.warnings.push(
    kept > 0
      ? `listing ${key}${where} failed after ${kept} of its objects, the rest${there} are not in this snapshot: ${error.message}`
      : `listing ${key}${where} failed, its objects${there} are not in this snapshot: ${error.message}`,
  );
}
