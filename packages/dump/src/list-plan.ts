import { type KubeClient, listItemPages } from "@kubedump/kube";
import type { PlanStep } from "./application.js";
import type { DumpOptions } from "./options.js";
import { type PlanItem, pagesOf } from "./pages-of.js";
import { prefetch } from "./prefetch.js";

/** Pages read ahead of the one being written; 2 were no faster and hold one more page (docs/benchmarks.md, "What moved it"). */
const READ_AHEAD = 1;

/**
 * One stream of pages over the whole plan, one page read ahead across resource types; the first
 * LISTs of the next types go out earlier still (pagesOf).
 */
export function listPlan(client: KubeClient, plan: readonly PlanStep[], opts: DumpOptions): AsyncGenerator<PlanItem> {
  return prefetch(
    pagesOf(plan, (step) =>
      listItemPages(client, step.rt, {
        namespace: step.namespace,
        fieldSelector: step.fieldSelector,
        labelSelector: opts.labelSelector,
        limit: opts.pageSize,
        omitManagedFields: opts.sanitize !== false, // sanitize drops them: not parsing them saves a quarter of the parse
      }),
    ),
    READ_AHEAD,
  );
}
