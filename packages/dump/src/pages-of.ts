import type { KubeObject } from "@kubedump/kube";
import type { PlanStep } from "./application.js";

/** One item of the stream of pages over a plan: a page of a step, or the end of its listing. */
export type PlanItem =
  | { step: PlanStep; page: Iterable<KubeObject> }
  | { step: PlanStep; error: unknown }
  | { step: PlanStep; end: true };

/**
 * Steps whose first LIST goes out ahead of their turn. Most resource types of a cluster are
 * empty, and one after another their LISTs were round trips in sequence (docs/benchmarks.md,
 * "Item by item, and smaller fixes"); a first page held ahead is the response's bytes.
 */
const FIRST_PAGES_AHEAD = 4;

/** The pages of every step in order, each step closed by its end or the error that ended its listing. */
export async function* pagesOf(
  plan: readonly PlanStep[],
  list: (step: PlanStep) => AsyncIterable<Iterable<KubeObject>>,
): AsyncGenerator<PlanItem> {
  type Pages = AsyncIterator<Iterable<KubeObject>>;
  /** Steps whose LIST started ahead: their pages, and the first one asked for. */
  const started = new Map<number, { pages: Pages; first: ReturnType<Pages["next"]> }>();
  const start = (i: number) => {
    const pages = list(plan[i] as PlanStep)[Symbol.asyncIterator]();
    const first = pages.next();
    first.catch(() => {}); // handled in its turn; no unhandled rejection if the dump stops before
    started.set(i, { pages, first });
  };
  let current: Pages | undefined;
  try {
    for (let i = 0; i < plan.length; i++) {
      for (let j = i; j < Math.min(plan.length, i + 1 + FIRST_PAGES_AHEAD); j++) if (!started.has(j)) start(j);
      const step = plan[i] as PlanStep;
      const { pages, first } = started.get(i) as { pages: Pages; first: ReturnType<Pages["next"]> };
      started.delete(i);
      current = pages;
      try {
        for (let next = await first; !next.done; next = await pages.next()) yield { step, page: next.value };
      } catch (error) {
        yield { step, error };
        continue;
      }
      current = undefined;
      yield { step, end: true };
    }
  } finally {
    // Stopped early (an error, an abort): the step being read and the LISTs started ahead end.
    await current?.return?.();
    for (const { pages, first } of started.values())
      void first
        .then(
          () => pages.return?.(),
          () => {},
        )
        .catch(() => {});
  }
}
