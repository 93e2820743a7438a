/** A blob id's bytes: a sha256 (or its keyed HMAC), written as 64 hex digits. */
const ID_BYTES = 32;
const ID_WORDS = ID_BYTES / 4;
const FIRST_CAPACITY = 1024;

/**
 * A set of blob ids, each kept as its 32 bytes in one table that grows by doubling (open
 * addressing, linear probing, at most half full), not as a string: the compressing thread keeps
 * every id a pack writer gave it, and a Set of 100,000 strings is about 10 MB its isolate marks at
 * every full collection, where this table is one typed array it does not look into
 * (docs/benchmarks.md, "Session 2026-12-05 (eighth)"). Ids are sha256 digests or keyed HMACs, so
 * their first word is already a uniform hash.
 */
export class IdSet {
  private capacity = FIRST_CAPACITY;
  private words = new Int32Array(FIRST_CAPACITY * ID_WORDS);
  private used = new Uint8Array(FIRST_CAPACITY);
  private count = 0;
  /** The id being looked for, as bytes and as words. */
  private readonly id = new Int32Array(ID_WORDS);
  private readonly idBytes = Buffer.from(this.id.buffer);

  get size(): number {
    return this.count;
  }

  /** Adds `id` (64 hex digits); false when it was there already. The table grows, then it is added. */
  add(id: string): boolean {
    if (id.length !== 2 * ID_BYTES || this.idBytes.write(id, "hex") !== ID_BYTES)
      throw new Error(`blob id "${id.slice(0, 80)}": not ${2 * ID_BYTES} hex digits`);
    const slot = this.find();
    if (this.used[slot] === 1) return false;
    if (2 * (this.count + 1) > this.capacity) {
      this.grow();
      return this.add(id);
    }
    this.place(slot);
    return true;
  }

  /** The slot that holds the id being looked for, or the empty slot where it would go. */
  private find(): number {
    const { words, used, id } = this;
    const mask = this.capacity - 1;
    for (let slot = (id[0] as number) & mask; ; slot = (slot + 1) & mask) {
      if (used[slot] === 0) return slot;
      const at = slot * ID_WORDS;
      let same = true;
      for (let w = 0; w < ID_WORDS && same; w++) same = words[at + w] === id[w];
      if (same) return slot;
    }
  }

  private place(slot: number): void {
    this.words.set(this.id, slot * ID_WORDS);
    this.used[slot] = 1;
    this.count += 1;
  }

  private grow(): void {
    const { words, used, capacity } = this;
    this.capacity = capacity * 2;
    this.words = new Int32Array(this.capacity * ID_WORDS);
    this.used = new Uint8Array(this.capacity);
    this.count = 0;
    for (let slot = 0; slot < capacity; slot++) {
      if (used[slot] === 0) continue;
      this.id.set(words.subarray(slot * ID_WORDS, (slot + 1) * ID_WORDS));
      this.place(this.find());
    }
  }
}
