import { ID_BYTES, IdTable, idBytesOf } from "./id-table.js";
import { type Compression, ENTRY_BYTES, type PackEntry } from "./pack-format.js";

/** Where a blob lives: its pack and its entry there. */
export interface BlobLocation extends PackEntry {
  pack: string;
}

const INITIAL_CAPACITY = 1024;
/** pack number, frame offset, frame length, frame raw length, offset in frame, raw length. */
const FIELDS = 6;

/**
 * Blob id → pack location for every blob of a repository, in typed arrays rather than an object per
 * blob: the ids in an IdTable, which numbers them, and each blob's fields by that number in
 * parallel Uint32Arrays. The first location added for an id wins. Its memory per 1M blobs is in
 * docs/format.md.
 */
export class BlobIndex {
  private readonly ids = new IdTable();
  private fields = new Uint32Array(INITIAL_CAPACITY * FIELDS);
  private meta = new Uint8Array(INITIAL_CAPACITY);
  private readonly packIds: string[] = [];
  private readonly packNumbers = new Map<string, number>();
  private readonly packSizes: number[] = [];

  get size(): number {
    return this.ids.size;
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
    if (this.ids.size === 0) return false; // a new repository's: nothing to decode
    return this.numberOf(id) >= 0;
  }

  /** has, for an id as the 32 bytes of `bytes` at `offset`. */
  hasId(bytes: Uint8Array, offset = 0): boolean {
    return this.ids.find(bytes, offset) >= 0;
  }

  get(id: string): BlobLocation | undefined {
    const n = this.numberOf(id);
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

  /**
   * The number of `id` in the table, or -1: decoded into the scratch buffer, so no Buffer is made
   * per lookup (a download makes one per object). An id of other than 64 hex digits is none.
   */
  private numberOf(id: string): number {
    if (id.length !== ID_BYTES * 2 || this.scratch.write(id, "hex") !== ID_BYTES) return -1;
    return this.ids.find(this.scratch);
  }

  /** Adds the blob unless the index holds its id already; true when added. Throws for an id of other than 64 hex digits. */
  add(pack: string, entry: PackEntry): boolean {
    const n = this.ids.add(idBytesOf(entry.id, this.scratch));
    if (n < 0) return false;
    this.makeRoom(n + 1);
    const { offset, length, frameRawLength, offsetInFrame, rawLength } = entry;
    this.fields.set([this.packNumber(pack), offset, length, frameRawLength, offsetInFrame, rawLength], n * FIELDS);
    this.meta[n] = (entry.type === "tree" ? 1 : 0) | (entry.compression << 1);
    return true;
  }

  /**
   * Adds the blobs of pack `pack` whose header entries `entries` holds (encodeEntries' bytes, as a
   * pack writer made them), each unless the index holds its id already, without an object per blob.
   */
  addEntries(pack: string, entries: Buffer): void {
    const packNumber = this.packNumber(pack);
    const total = this.ids.size + Math.floor(entries.length / ENTRY_BYTES);
    this.ids.reserve(total); // once, not once per doubling
    this.makeRoom(total);
    for (let at = 0; at + ENTRY_BYTES <= entries.length; at += ENTRY_BYTES) {
      const n = this.ids.add(entries, at + 2);
      if (n < 0) continue;
      for (let i = 0; i < FIELDS - 1; i++) this.fields[n * FIELDS + 1 + i] = entries.readUInt32BE(at + 34 + 4 * i);
      this.fields[n * FIELDS] = packNumber;
      this.meta[n] = ((entries[at] as number) & 1) | ((entries[at + 1] as number) << 1);
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

  /** Grows the fields' arrays (doubling) until they hold `entries` blobs. */
  private makeRoom(entries: number): void {
    let capacity = this.meta.length;
    while (capacity < entries) capacity *= 2;
    if (capacity === this.meta.length) return;
    const fields = new Uint32Array(capacity * FIELDS);
    fields.set(this.fields);
    const meta = new Uint8Array(capacity);
    meta.set(this.meta);
    [this.fields, this.meta] = [fields, meta];
  }
}
