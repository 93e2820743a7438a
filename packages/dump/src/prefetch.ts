/** Iterates `source` while already fetching its next item, so I/O overlaps the consumer's work. */
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
      yield cur.value;
    }
  } finally {
    await it.return?.();
  }
}
