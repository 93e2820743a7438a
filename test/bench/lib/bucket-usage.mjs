// What a repository's store holds, for test/bench/incremental.mjs: every key with its size, so a
// step's upload is the sum of the keys it added or rewrote, measured in the store itself.

/** Every key under the store's root with its size. */
export async function storeUsage(store) {
  const sizes = new Map();
  for await (const e of store.list("")) sizes.set(e.key, e.size);
  return sizes;
}

/** Total bytes of a usage. */
export const totalBytes = (usage) => [...usage.values()].reduce((a, b) => a + b, 0);

/** Bytes of the keys in `after` that `before` lacked or held with another size, and how many. */
export function uploadedBetween(before, after) {
  let bytes = 0;
  let objects = 0;
  for (const [key, size] of after)
    if (before.get(key) !== size) {
      bytes += size;
      objects++;
    }
  return { bytes, objects };
}
