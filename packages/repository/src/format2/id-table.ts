/** A blob id's bytes: a sha256 (or its keyed HMAC), written as 64 hex digits. */
export const ID_BYTES = 32;
const ID_WORDS = ID_BYTES / 4;
const FIRST_CAPACITY = 1024;

/**
 * Blob ids kept as their 32 bytes, numbered in the order they were added (0, 1, …) and found
 * through an open-addressing table of those numbers (linear probing, at most half full), probed
 * by the id's first word: ids are sha256 digests or keyed HMACs, so that word is already a uniform
 * hash. Two typed arrays, which V8's collector does not look into, whatever the count. BlobIndex
 * keeps each blob's place by its number here; IdSet is the table alone.
 */
export class IdTable {
  /** Entry n's id, as 8 words from n * 8. */
  private words = new Int32Array(FIRST_CAPACITY * ID_WORDS);
  /** Entry number + 1 of each slot; 0 for an empty one. Twice the entries' room. */
  private slots = new Int32Array(FIRST_CAPACITY * 2);
  private count = 0;
  /** The id looked for, copied here so that it is compared a word at a time. */
  private readonly key = new Int32Array(ID_WORDS);
  private readonly keyBytes = new Uint8Array(this.key.buffer);

  get size(): number {
    return this.count;
  }

  /** Ids the table holds room for before it grows. */
  private get capacity(): number {
    return this.words.length / ID_WORDS;
  }

  /** The number of the id that is the 32 bytes of `bytes` from `offset`, or -1 (also when they run past its end). */
  find(bytes: Uint8Array, offset = 0): number {
    if (!this.load(bytes, offset)) return -1;
    return (this.slots[this.slotOfKey()] as number) - 1;
  }

  /**
   * Adds the id that is the 32 bytes of `bytes` from `offset`: its new number (the size before),
   * or -1 when the table holds it already. Throws when the bytes run past the end.
   */
  add(bytes: Uint8Array, offset = 0): number {
    if (!this.load(bytes, offset))
      throw new RangeError(`blob id at ${offset}: not ${ID_BYTES} bytes (${bytes.length} in all)`);
    let slot = this.slotOfKey();
    if (this.slots[slot] !== 0) return -1;
    if (this.count === this.capacity) {
      this.reserve(this.count + 1);
      slot = this.slotOfKey();
    }
    const n = this.count++;
    this.words.set(this.key, n * ID_WORDS);
    this.slots[slot] = n + 1;
    return n;
  }

  /** Makes room for `total` ids in all, doubling at once as often as needed (not once per id). */
  reserve(total: number): void {
    let capacity = this.capacity;
    while (capacity < total) capacity *= 2;
    if (capacity === this.capacity) return;
    const words = new Int32Array(capacity * ID_WORDS);
    words.set(this.words.subarray(0, this.count * ID_WORDS));
    this.words = words;
    this.slots = new Int32Array(capacity * 2);
    const mask = this.slots.length - 1;
    for (let n = 0; n < this.count; n++) {
      let slot = (words[n * ID_WORDS] as number) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = n + 1;
    }
  }

  /** Copies the 32 bytes at `offset` of `bytes` into the key; false when they are not all there. */
  private load(bytes: Uint8Array, offset: number): boolean {
    if (offset < 0 || offset + ID_BYTES > bytes.length) return false;
    const { keyBytes } = this;
    for (let i = 0; i < ID_BYTES; i++) keyBytes[i] = bytes[offset + i] as number;
    return true;
  }

  /** The slot that holds the key's entry, or the empty slot where it would go. */
  private slotOfKey(): number {
    const { words, slots, key } = this;
    const mask = slots.length - 1;
    for (let slot = (key[0] as number) & mask; ; slot = (slot + 1) & mask) {
      const n = (slots[slot] as number) - 1;
      if (n < 0) return slot;
      const at = n * ID_WORDS;
      let same = true;
      for (let w = 0; w < ID_WORDS && same; w++) same = words[at + w] === key[w];
      if (same) return slot;
    }
  }
}

/** Writes `id` (64 hex digits) into `into` as its 32 bytes; throws, naming it, when it is not that. */
export function idBytesOf(id: string, into: Buffer): Buffer {
  if (id.length !== 2 * ID_BYTES || into.write(id, 0, ID_BYTES, "hex") !== ID_BYTES)
    throw new Error(`blob id "${id.slice(0, 80)}": not ${2 * ID_BYTES} hex digits`);
  return into;
}
