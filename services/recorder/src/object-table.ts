import { KeyRows } from "./key-rows.js";
import type { Seen } from "./object-change.js";

/** Rows a new table has room for; it doubles when full. @defaultValue 64 */
const INITIAL_ROWS = 64;
/** Bytes of a blob id (sha256 or HMAC-SHA256), kept whole: see ObjectTable. */
const BLOB_BYTES = 32;
const UUID_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX64 = /^[0-9a-f]{64}$/;
/** Where a uid of a row is: its 16 bytes in `uuids` (the usual case), or the string in `otherUids`. */
const UID_BYTES = 0;
const UID_OTHER = 1;

/**
 * What a type recorder holds per object (uid, blob id, relist pass), by `namespace/name`, without
 * an object and three strings per object: the keys in a KeyRows (their UTF-8 bytes and a hash
 * table of row numbers, off V8's heap), the rows in typed arrays — the uid as 16 bytes when it is a
 * lowercase UUID (what the API server gives; any other uid, and "", is kept as its string), the
 * blob id as its 32 bytes, the pass as a u32. Rows of deleted objects are reused. The blob id is
 * kept whole, not truncated: an update is dropped as unchanged when its blob id equals the held
 * one, so a shorter digest would let a crafted pair of YAMLs (2^(bits/2) work in an unencrypted
 * repository) hide a change; the 32 bytes cost little beside the keys (figures:
 * docs/benchmarks.md, "Continuous capture"). Iteration goes by row, not by insertion.
 */
export class ObjectTable implements Iterable<[string, Seen]> {
  private readonly keys = new KeyRows();
  private readonly free: number[] = [];
  private readonly otherUids = new Map<number, string>();
  private blobs = Buffer.alloc(INITIAL_ROWS * BLOB_BYTES);
  private uuids = Buffer.alloc(INITIAL_ROWS * UUID_BYTES);
  private uidKinds = new Uint8Array(INITIAL_ROWS);
  private passes = new Uint32Array(INITIAL_ROWS);
  private used = 0;

  get size(): number {
    return this.keys.size;
  }

  /** A copy of what is held of `key`; changing it changes nothing held. */
  get(key: string): Seen | undefined {
    const row = this.keys.find(key);
    return row < 0 ? undefined : this.read(row);
  }

  /** The row holding `key` (a row is reused once its key is deleted), or -1. */
  rowOf(key: string): number {
    return this.keys.find(key);
  }

  /** Holds `seen` for `key`, replacing what was held; returns its row. A blob id must be 64 lowercase hex digits. */
  set(key: string, seen: Seen): number {
    if (!HEX64.test(seen.blob))
      throw new TypeError(`object table: ${key}: blob id "${seen.blob}" is not 64 lowercase hex digits`);
    let row = this.keys.find(key);
    if (row < 0) {
      row = this.allocate();
      this.keys.insert(key, row);
    }
    this.blobs.write(seen.blob, row * BLOB_BYTES, BLOB_BYTES, "hex");
    this.writeUid(row, seen.uid);
    this.passes[row] = seen.pass;
    return row;
  }

  /** Sets the uid and pass held of `key` (its blob unchanged); false when nothing is held. */
  touch(key: string, uid: string, pass: number): boolean {
    const row = this.keys.find(key);
    if (row < 0) return false;
    this.writeUid(row, uid);
    this.passes[row] = pass;
    return true;
  }

  /** Forgets `key`; returns what was held. */
  delete(key: string): Seen | undefined {
    const row = this.keys.remove(key);
    if (row < 0) return undefined;
    const seen = this.read(row);
    this.otherUids.delete(row);
    this.free.push(row);
    return seen;
  }

  clear(): void {
    this.keys.clear();
    this.otherUids.clear();
    this.free.length = 0;
    this.used = 0;
  }

  /** Every held object, by row; deleting the entry just yielded is allowed. */
  *[Symbol.iterator](): IterableIterator<[string, Seen]> {
    for (let row = 0; row < this.used; row++) if (this.keys.has(row)) yield [this.keys.keyOf(row), this.read(row)];
  }

  /** The held objects a relist's pass `pass` did not see; deleting each as it is yielded is allowed. */
  *unseenIn(pass: number): IterableIterator<[string, Seen]> {
    for (let row = 0; row < this.used; row++)
      if (this.passes[row] !== pass && this.keys.has(row)) yield [this.keys.keyOf(row), this.read(row)];
  }

  private read(row: number): Seen {
    const at = row * BLOB_BYTES;
    return {
      uid: this.readUid(row),
      blob: this.blobs.toString("hex", at, at + BLOB_BYTES),
      pass: this.passes[row] ?? 0,
    };
  }

  private readUid(row: number): string {
    if (this.uidKinds[row] === UID_OTHER) return this.otherUids.get(row) ?? "";
    const hex = this.uuids.toString("hex", row * UUID_BYTES, (row + 1) * UUID_BYTES);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  private writeUid(row: number, uid: string): void {
    if (!UUID.test(uid)) {
      this.uidKinds[row] = UID_OTHER;
      this.otherUids.set(row, uid);
      return;
    }
    this.uidKinds[row] = UID_BYTES;
    this.otherUids.delete(row);
    let at = row * UUID_BYTES;
    for (const [from, to] of UUID_PARTS) at += this.uuids.write(uid.slice(from, to), at, "hex");
  }

  private allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.passes.length) this.grow();
    return this.used++;
  }

  /** Doubles every row array. */
  private grow(): void {
    const rows = this.passes.length * 2;
    const blobs = Buffer.alloc(rows * BLOB_BYTES);
    this.blobs.copy(blobs);
    const uuids = Buffer.alloc(rows * UUID_BYTES);
    this.uuids.copy(uuids);
    const uidKinds = new Uint8Array(rows);
    uidKinds.set(this.uidKinds);
    const passes = new Uint32Array(rows);
    passes.set(this.passes);
    [this.blobs, this.uuids, this.uidKinds, this.passes] = [blobs, uuids, uidKinds, passes];
  }
}

/** The hex runs of a UUID between its dashes. */
const UUID_PARTS = [
  [0, 8],
  [9, 13],
  [14, 18],
  [19, 23],
  [24, 36],
] as const;
