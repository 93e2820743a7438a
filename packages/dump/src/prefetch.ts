import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Iterates `source` while already fetching its next `depth` items, so I/O overlaps the consumer's work.
 * The consumer's work is mostly synchronous, so before handing over an item this waits one turn
 * of the event loop: that lets the next request actually go out, and the server prepares the next
 * page while this one is processed.
 */
export async function* prefetch<T>(source: AsyncIterable<T>, depth = 1): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const ahead: Promise<IteratorResult<T>>[] = [];
  const pull = () => {
    const next = it.next();
    next.catch(() => {}); // no unhandled rejection if the consumer stops before awaiting it
    ahead.push(next);
  };
  for (let i = 0; i < depth; i++) pull();
  try {
    for (;;) {
      const cur = await (ahead.shift() as Promise<IteratorResult<T>>);
      if (cur.done) return;
      pull();
      await nextTurn();
      yield cur.value;
    }
  } finally {
    await it.return?.();
  }
}
