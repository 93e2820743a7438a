import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Iterates `source` while already fetching its next item, so I/O overlaps the consumer's work.
 * The consumer's work is mostly synchronous, so before handing over an item this waits one turn
 * of the event loop: that lets the next request actually go out, and the server prepares the next
 * page while this one is processed.
 */
export async function* prefetch<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  try {
    for (;;) {
      const cur = await next;
      if (cur.done) return;
      next = it.next();
      // Avoid an unhandled rejection if the consumer stops before awaiting it.
      next.catch(() => {});
      await nextTurn();
      yield cur.value;
    }
  } finally {
    await it.return?.();
  }
}
