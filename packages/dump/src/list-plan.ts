import { type KubeClient, type KubeObject, type LabelKeys, type ListOptions, listItemPages } from "@kubedump/kube";
import type { PlanStep } from "./application.js";
import { Gate, GET_CONCURRENCY, listChanged } from "./changed-pages.js";
import type { DumpReuse } from "./dump-sink.js";
import type { DumpOptions } from "./options.js";
import { type PlanItem, pagesOf } from "./pages-of.js";
import { prefetch } from "./prefetch.js";

/** Pages read ahead of the one being written; 2 were no faster and hold one more page (docs/benchmarks.md, "What moved it"). */
const READ_AHEAD = 1;

/** A backup with a reuse table lists metadata and reads only what changed (listChanged). */
export interface ChangedOnly {
  reuse: DumpReuse;
  /** Whether an object of a step goes into the snapshot. */
  keep: (step: PlanStep) => (obj: KubeObject) => boolean;
  /** The labels keep reads: the metadata listing reads no others. */
  labels: LabelKeys;
}

/**
 * One stream of pages over the whole plan, one page read ahead across resource types; the first
 * LISTs of the next types go out earlier still (pagesOf).
 */
export function listPlan(
  client: KubeClient,
  plan: readonly PlanStep[],
  opts: DumpOptions,
  changedOnly?: ChangedOnly,
): AsyncGenerator<PlanItem> {
  const gets = new Gate(GET_CONCURRENCY);
  return prefetch(
    pagesOf(plan, (step) => {
      const list: ListOptions = {
        namespace: step.namespace,
        fieldSelector: step.fieldSelector,
        labelSelector: opts.labelSelector,
        limit: opts.pageSize,
        omitManagedFields: opts.sanitize !== false, // sanitize drops them: not parsing them saves a quarter of the parse
      };
      if (!changedOnly) return listItemPages(client, step.rt, list);
      const { reuse, keep, labels } = changedOnly;
      return listChanged({ client, rt: step.rt, list, reuse, keep: keep(step), labels, gets });
    }),
    READ_AHEAD,
  );
}
