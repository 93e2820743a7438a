import { randomBytes } from "node:crypto";

/** Rows and hash slots a new index has room for; each doubles when full. @defaultValue 64 */
const INITIAL_ROWS = 64;
/** Bytes of key text a new index has room for. @defaultValue 2 KiB */
const INITIAL_KEY_BYTES = 2048;
const FNV_PRIME = 0x01000193;
/** A surrogate not in a pair (with the u flag, a pair is one code point and does not match). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * String keys → row numbers (the rows are the caller's), without a string or a Map entry per key
 * on V8's heap: each key's UTF-8 bytes in one buffer, per row its offset, length and hash in typed
 * arrays, and an open-addressing table of row numbers (linear probing, at most half full, deletion
 * by backward shift, so no tombstones). Key text freed by deletions is reclaimed by compacting
 * the buffer once it is as large as the live text. The hash is FNV-1a from a random basis per
 * index, so key names chosen to collide in one process do not in another. Keys must be
 * well-formed UTF-16 (any name JSON from the API server gives): they are compared as UTF-8.
 */
export class KeyRows {
  private readonly basis = randomBytes(4).readUInt32LE(0);
  private table = new Int32Array(INITIAL_ROWS * 2);
  private offsets = new Uint32Array(INITIAL_ROWS);
  /** Byte length + 1 of each row's key; 0: the row has no key. */
  private lengths = new Uint32Array(INITIAL_ROWS);
  private hashes = new Uint32Array(INITIAL_ROWS);
  private text = Buffer.alloc(INITIAL_KEY_BYTES);
  private textEnd = 0;
  private liveBytes = 0;
  private scratch = Buffer.alloc(256);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The row of `key`, or -1. */
  find(key: string): number {
    const ascii = this.asciiHash(key);
    const length = ascii < 0 ? this.encode(key) : key.length;
    const hash = ascii < 0 ? this.hashOf(this.scratch, 0, length) : ascii;
    const mask = this.table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const row = (this.table[slot] as number) - 1;
      if (row < 0) return -1;
      if (this.hashes[row] === hash && this.lengths[row] === length + 1)
        if (ascii < 0 ? this.sameBytes(row, length) : this.sameAscii(row, key)) return row;
    }
  }

  /** Whether `row` has a key. */
  has(row: number): boolean {
    return (this.lengths[row] ?? 0) > 0;
  }

  /** The key of `row`; "" when it has none. */
  keyOf(row: number): string {
    const length = (this.lengths[row] ?? 0) - 1;
    if (length < 0) return "";
    const at = this.offsets[row] as number;
    return this.text.toString("utf8", at, at + length);
  }

  /** Gives `key`, which no row has, to `row`, which has no key. */
  insert(key: string, row: number): void {
    const ascii = this.asciiHash(key);
    const length = ascii < 0 ? this.encode(key) : key.length;
    if (row >= this.lengths.length) this.growRows(row + 1);
    if ((this.count + 1) * 2 > this.table.length) this.rehash(this.table.length * 2);
    if (this.textEnd + length > this.text.length) this.makeRoom(length);
    if (ascii < 0) this.scratch.copy(this.text, this.textEnd, 0, length);
    else this.text.write(key, this.textEnd, length, "latin1");
    this.offsets[row] = this.textEnd;
    this.lengths[row] = length + 1;
    this.hashes[row] = ascii < 0 ? this.hashOf(this.scratch, 0, length) : ascii;
    this.textEnd += length;
    this.liveBytes += length;
    this.place(row);
    this.count++;
  }

  /** Takes `key` from its row; returns the row, or -1 when no row has it. */
  remove(key: string): number {
    const row = this.find(key);
    if (row < 0) return -1;
    const mask = this.table.length - 1;
    let hole = this.slotOf(row);
    // Backward shift: each later slot of the run moves into the hole when its home is not between them.
    for (let slot = (hole + 1) & mask; ; slot = (slot + 1) & mask) {
      const other = (this.table[slot] as number) - 1;
      if (other < 0) break;
      const home = (this.hashes[other] as number) & mask;
      if (((slot - home) & mask) >= ((slot - hole) & mask)) {
        this.table[hole] = other + 1;
        hole = slot;
      }
    }
    this.table[hole] = 0;
    this.liveBytes -= (this.lengths[row] as number) - 1;
    this.lengths[row] = 0;
    this.count--;
    return row;
  }

  clear(): void {
    this.table.fill(0);
    this.lengths.fill(0);
    [this.textEnd, this.liveBytes, this.count] = [0, 0, 0];
  }

  /** `key` as UTF-8 in the scratch buffer; its byte length. */
  private encode(key: string): number {
    if (LONE_SURROGATE.test(key))
      throw new TypeError(`object table: key ${JSON.stringify(key)} is not well-formed UTF-16`);
    if (key.length * 3 > this.scratch.length) this.scratch = Buffer.alloc(key.length * 3);
    return this.scratch.write(key, 0, "utf8");
  }

  /** The hash of `key`'s UTF-8 bytes when it is all ASCII (each byte a char code), without encoding it; else -1. */
  private asciiHash(key: string): number {
    let hash = this.basis;
    for (let i = 0; i < key.length; i++) {
      const code = key.charCodeAt(i);
      if (code > 0x7f) return -1;
      hash = Math.imul(hash ^ code, FNV_PRIME);
    }
    return hash >>> 0;
  }

  private hashOf(bytes: Uint8Array, from: number, length: number): number {
    let hash = this.basis;
    for (let i = from; i < from + length; i++) hash = Math.imul(hash ^ (bytes[i] as number), FNV_PRIME);
    return hash >>> 0;
  }

  /** Whether `row`'s key is the scratch buffer's `length` bytes. */
  private sameBytes(row: number, length: number): boolean {
    const at = this.offsets[row] as number;
    return this.text.compare(this.scratch, 0, length, at, at + length) === 0;
  }

  /** Whether `row`'s key (of `key`'s length) is the ASCII `key`. */
  private sameAscii(row: number, key: string): boolean {
    const at = this.offsets[row] as number;
    for (let i = 0; i < key.length; i++) if (this.text[at + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /** The slot holding `row`. */
  private slotOf(row: number): number {
    const mask = this.table.length - 1;
    let slot = (this.hashes[row] as number) & mask;
    while (this.table[slot] !== row + 1) slot = (slot + 1) & mask;
    return slot;
  }

  private place(row: number): void {
    const mask = this.table.length - 1;
    let slot = (this.hashes[row] as number) & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = row + 1;
  }

  private rehash(slots: number): void {
    this.table = new Int32Array(slots);
    for (let row = 0; row < this.lengths.length; row++) if (this.has(row)) this.place(row);
  }

  private growRows(atLeast: number): void {
    let rows = this.lengths.length * 2;
    while (rows < atLeast) rows *= 2;
    const grown = (from: Uint32Array) => {
      const to = new Uint32Array(rows);
      to.set(from);
      return to;
    };
    [this.offsets, this.lengths, this.hashes] = [grown(this.offsets), grown(this.lengths), grown(this.hashes)];
  }

  /**
   * Room for `length` more bytes of key text: the live keys copied into a buffer of twice their
   * size (at least the initial one) when freed text is half the buffer or more, else the buffer doubled.
   */
  private makeRoom(length: number): void {
    const compact = this.textEnd - this.liveBytes >= this.text.length / 2;
    let size = compact ? Math.max(INITIAL_KEY_BYTES, (this.liveBytes + length) * 2) : this.text.length * 2;
    while (size < (compact ? this.liveBytes : this.textEnd) + length) size *= 2;
    const text = Buffer.alloc(size);
    if (!compact) this.text.copy(text, 0, 0, this.textEnd);
    else {
      let end = 0;
      for (let row = 0; row < this.lengths.length; row++) {
        if (!this.has(row)) continue;
        const [at, bytes] = [this.offsets[row] as number, (this.lengths[row] as number) - 1];
        this.text.copy(text, end, at, at + bytes);
        this.offsets[row] = end;
        end += bytes;
      }
      this.textEnd = end;
    }
    this.text = text;
  }
}
