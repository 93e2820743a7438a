import { type Compression, ENTRY_BYTES, type PackEntry } from "./pack-format.js";

/** Where a blob lives: its pack and its entry there. */
export interface BlobLocation extends PackEntry {
  pack: string;
}

const INITIAL_CAPACITY = 1024;
const ID_BYTES = 32;
/** pack number, frame offset, frame length, frame raw length, offset in frame, raw length. */
const FIELDS = 6;

/**
 * Blob id → pack location for every blob of a repository, in typed arrays rather than an object per
 * blob: ids in one byte array, the fields in parallel Uint32Arrays, and an open-addressing table
 * of entry numbers probed by the id's first four bytes (ids are uniformly distributed). The first
 * location added for an id wins. Its memory per 1M blobs is in docs/format.md.
 */
export class BlobIndex {
  private ids = new Uint8Array(INITIAL_CAPACITY * ID_BYTES);
  private fields = new Uint32Array(INITIAL_CAPACITY * FIELDS);
  private meta = new Uint8Array(INITIAL_CAPACITY);
  private table = new Int32Array(INITIAL_CAPACITY * 2);
  private readonly packIds: string[] = [];
  private readonly packNumbers = new Map<string, number>();
  private readonly packSizes: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Every pack that holds a blob of the index. */
  packs(): readonly string[] {
    return this.packIds;
  }

  /** Records the size of pack `pack` as an index file gives it, so a reader fetches no more. */
  setPackBytes(pack: string, bytes: number): void {
    this.packSizes[this.packNumber(pack)] = bytes;
  }

  packBytes(pack: string): number | undefined {
    const n = this.packNumbers.get(pack);
    return n === undefined ? undefined : this.packSizes[n];
  }

  /** Decoded ids looked up (has): no buffer made per call. */
  private readonly scratch = Buffer.alloc(ID_BYTES);

  has(id: string): boolean {
    if (this.count === 0) return false; // a new repository's: nothing to decode
    // an id of other than 64 hex digits decodes to fewer bytes (or more digits): not an id
    if (id.length !== ID_BYTES * 2 || this.scratch.write(id, "hex") !== ID_BYTES) return false;
    return this.find(this.scratch) >= 0;
  }

  /** has, for an id as the 32 bytes of `bytes` at `offset`. */
  hasId(bytes: Uint8Array, offset = 0): boolean {
    return this.find(bytes, offset) >= 0;
  }

  get(id: string): BlobLocation | undefined {
    // decoded into the scratch buffer, as has does: no Buffer made per lookup (a download makes one per object)
    if (id.length !== ID_BYTES * 2 || this.scratch.write(id, "hex") !== ID_BYTES) return undefined;
    const n = this.find(this.scratch);
    if (n < 0) return undefined;
    const field = (i: number) => this.fields[n * FIELDS + i] ?? 0;
    const meta = this.meta[n] ?? 0;
    return {
      id,
      pack: this.packIds[field(0)] ?? "",
      type: meta & 1 ? "tree" : "data",
      compression: (meta >> 1) as Compression,
      offset: field(1),
      length: field(2),
      frameRawLength: field(3),
      offsetInFrame: field(4),
      rawLength: field(5),
    };
  }

  /** Adds the blob unless the index holds its id already; true when added. */
  add(pack: string, entry: PackEntry): boolean {
    const id = Buffer.from(entry.id, "hex");
    if (this.find(id) >= 0) return false;
    if (this.count === this.meta.length) this.grow();
    const n = this.count++;
    this.ids.set(id, n * ID_BYTES);
    const { offset, length, frameRawLength, offsetInFrame, rawLength } = entry;
    this.fields.set([this.packNumber(pack), offset, length, frameRawLength, offsetInFrame, rawLength], n * FIELDS);
    this.meta[n] = (entry.type === "tree" ? 1 : 0) | (entry.compression << 1);
    this.insert(id, n);
    return true;
  }

  /**
   * Adds the blobs of pack `pack` whose header entries `entries` holds (encodeEntries' bytes, as a
   * pack writer made them), each unless the index holds its id already, without an object per blob.
   */
  addEntries(pack: string, entries: Buffer): void {
    const packNumber = this.packNumber(pack);
    this.grow(this.count + Math.floor(entries.length / ENTRY_BYTES)); // once, not once per doubling
    for (let at = 0; at + ENTRY_BYTES <= entries.length; at += ENTRY_BYTES) {
      if (this.find(entries, at + 2) >= 0) continue;
      if (this.count === this.meta.length) this.grow();
      const n = this.count++;
      const { ids } = this;
      for (let i = 0; i < ID_BYTES; i++) ids[n * ID_BYTES + i] = entries[at + 2 + i] as number;
      for (let i = 0; i < FIELDS - 1; i++) this.fields[n * FIELDS + 1 + i] = entries.readUInt32BE(at + 34 + 4 * i);
      this.fields[n * FIELDS] = packNumber;
      this.meta[n] = ((entries[at] as number) & 1) | ((entries[at + 1] as number) << 1);
      this.insert(this.ids, n, n * ID_BYTES);
    }
  }

  private packNumber(pack: string): number {
    let n = this.packNumbers.get(pack);
    if (n === undefined) {
      n = this.packIds.push(pack) - 1;
      this.packNumbers.set(pack, n);
    }
    return n;
  }

  private slotOf(id: Uint8Array, o = 0): number {
    return (
      ((id[o] as number) |
        ((id[o + 1] as number) << 8) |
        ((id[o + 2] as number) << 16) |
        ((id[o + 3] as number) << 24)) >>>
      0
    );
  }

  /** The entry number of the id at `offset` of `id` (32 bytes from there; the whole of it without an offset), or -1. */
  private find(id: Uint8Array, offset?: number): number {
    if (offset === undefined ? id.length !== ID_BYTES : offset < 0 || offset + ID_BYTES > id.length) return -1;
    const o = offset ?? 0;
    const mask = this.table.length - 1;
    for (let slot = this.slotOf(id, o) & mask; ; slot = (slot + 1) & mask) {
      const n = (this.table[slot] as number) - 1;
      if (n < 0) return -1;
      if (this.sameId(n, id, o)) return n;
    }
  }

  private sameId(n: number, id: Uint8Array, o: number): boolean {
    const at = n * ID_BYTES;
    for (let i = 0; i < ID_BYTES; i++) if (this.ids[at + i] !== id[o + i]) return false;
    return true;
  }

  /** Inserts entry `n`, whose id is the 32 bytes of `id` at `offset`. */
  private insert(id: Uint8Array, n: number, offset = 0): void {
    const mask = this.table.length - 1;
    let slot = this.slotOf(id, offset) & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = n + 1;
  }

  /**
   * Doubles the entry arrays and the table (kept at most half full) until they hold `atLeast`
   * entries (default: one more doubling), then re-inserts every id.
   */
  private grow(atLeast = this.meta.length + 1): void {
    let capacity = this.meta.length;
    while (capacity < atLeast) capacity *= 2;
    if (capacity === this.meta.length) return;
    const ids = new Uint8Array(capacity * ID_BYTES);
    ids.set(this.ids);
    const fields = new Uint32Array(capacity * FIELDS);
    fields.set(this.fields);
    const meta = new Uint8Array(capacity);
    meta.set(this.meta);
    [this.ids, this.fields, this.meta, this.table] = [ids, fields, meta, new Int32Array(capacity * 2)];
    for (let n = 0; n < this.count; n++) this.insert(ids, n, n * ID_BYTES);
  }
}
