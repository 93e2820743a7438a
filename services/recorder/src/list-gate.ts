/**
 * Runs at most `slots` lists at once, the others waiting in order: a scope's types are listed a
 * few at a time, so the recorder holds a few pages and their objects, not one of every type.
 */
export function createListGate(slots: number): <T>(list: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (list) => {
    if (running >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await list();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
