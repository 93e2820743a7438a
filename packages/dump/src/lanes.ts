import type { KubeObject } from "@kubedump/kube";
import type { PlanStep } from "./application.js";
import { prefetch } from "./prefetch.js";

/**
 * Resource types listed at once. On two cores shared with the API server, two lanes took a dump of
 * 20,000 objects from 0.930 to 0.865 s (20 alternating runs, docs/benchmarks.md) and three were
 * slower again: the API server prepares one page while the other lane's page is written.
 */
export const LIST_LANES = 2;

/** A page of a step, or the error that ended the step's listing, or its end. */
export type PlanItem = { step: PlanStep; page: KubeObject[] } | { step: PlanStep; error: unknown } | { step: PlanStep; end: true };

/** The pages of every step in order, each step closed by its end or the error that ended its listing. */
async function* pagesOf(plan: readonly PlanStep[], list: (step: PlanStep) => AsyncIterable<KubeObject[]>): AsyncGenerator<PlanItem> {
  for (const step of plan) {
    try {
      for await (const page of list(step)) yield { step, page };
    } catch (error) {
      yield { step, error };
      continue;
    }
    yield { step, end: true };
  }
}

/**
 * The pages of the plan over `n` lanes that list at once, taken from the lanes in turn, so the
 * order depends on the data only, never on timing. Each lane reads one page ahead; a lane whose
 * step ended starts the next step of the plan before that end is handed on. Every page of a step
 * comes before its end (or error), and the steps' items keep their order.
 */
export async function* lanes(plan: readonly PlanStep[], list: (step: PlanStep) => AsyncIterable<KubeObject[]>, n: number): AsyncGenerator<PlanItem> {
  let next = 0;
  const open = () => (next < plan.length ? prefetch(pagesOf([plan[next++] as PlanStep], list), 1) : undefined);
  const active: AsyncGenerator<PlanItem>[] = [];
  for (let i = 0; i < n; i++) {
    const lane = open();
    if (lane) active.push(lane);
  }
  try {
    for (let k = 0; active.length > 0; ) {
      k %= active.length;
      const lane = active[k] as AsyncGenerator<PlanItem>;
      const r = await lane.next();
      if (r.done) {
        active.splice(k, 1);
        continue;
      }
      if (!("page" in r.value)) {
        // This lane's step ended: its next step's first LIST goes out before the end is handed on.
        void lane.return(undefined);
        const fresh = open();
        if (fresh) active[k++] = fresh;
        else active.splice(k, 1);
      } else k++;
      yield r.value;
    }
  } finally {
    await Promise.all(active.map((lane) => lane.return(undefined)));
  }
}
