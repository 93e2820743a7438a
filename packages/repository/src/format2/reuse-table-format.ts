/*
 * The bytes of a reuse table (docs/format.md, "Reuse tables"): a header, a table of the strings
 * shared by many entries (types, namespaces, kinds), then one record per entry, read in place
 * (no object per entry). All integers little-endian.
 *
 *   "KDRT" u32 version  u32+key  u8 hasBase [u16+snapshot u16+tree u32 depth u32 patched]
 *   u32 strings, each u32+utf8   u32 entries  u32 records' bytes
 *   record: u32 type  u32 namespace  u32 kind (string numbers)  u32 bytes  u8 flags
 *           32 blob  [32 sha256 when flags & 1]  u16+uid  u16+resourceVersion  u16+name
 *           u32+ownerReferences (their canonical JSON; 0: none)
 */

export const MAGIC = "KDRT";
export const VERSION = 3;
/** Flag of a record whose sha256 differs from its blob id (an encrypted repository's). */
export const OWN_SHA256 = 1;
/** Bytes of a record before its sha256 or its uid. */
export const FIXED = 17 + 32;
const ID_BYTES = 32;
/** The largest chunk a ByteWriter begins (unless one string needs more). @defaultValue 4 MiB */
const MAX_CHUNK = 4 * 1024 * 1024;
/** An upper-case hex digit, which hex decoding takes but a blob id never has. */
const UPPER_HEX = /[A-F]/;

/** A reuse table's bytes that are not of its format: the reason it is ignored. */
export class TableFormatError extends Error {
  override name = "TableFormatError";
}

/**
 * Bytes appended in chunks: a chunk that is full is kept as it is and the next one begun (twice
 * as large, up to MAX_CHUNK), so nothing written is copied again; take() gives what was written
 * since it was last called, as the chunks' parts, to be written out one after another.
 */
export class ByteWriter {
  private buf = Buffer.allocUnsafe(1 << 16);
  /** Bytes of buf written. */
  private at = 0;
  /** Bytes of buf take() gave already. */
  private given = 0;
  /** Parts of chunks filled before buf and not given yet. */
  private filled: Buffer[] = [];

  private ensure(more: number): void {
    if (this.at + more <= this.buf.length) return;
    if (this.at > this.given) this.filled.push(this.buf.subarray(this.given, this.at));
    this.buf = Buffer.allocUnsafe(Math.max(Math.min(this.buf.length * 2, MAX_CHUNK), more));
    this.at = 0;
    this.given = 0;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.at] = value;
    this.at += 1;
  }

  u32(value: number): void {
    // a whole number from 0 to 2^32 - 1 is its own unsigned 32 bits
    if (value >>> 0 !== value) throw new RangeError(`reuse table: ${value}`);
    this.ensure(4);
    this.littleEndian(this.at, value, 4);
    this.at += 4;
  }

  /** The low `bytes` bytes of `value` at `at`, little-endian (no bounds-checked call per number). */
  private littleEndian(at: number, value: number, bytes: 2 | 4): void {
    const { buf } = this;
    buf[at] = value; // typed array stores keep the low 8 bits
    buf[at + 1] = value >>> 8;
    if (bytes === 2) return;
    buf[at + 2] = value >>> 16;
    buf[at + 3] = value >>> 24;
  }

  /** A string's UTF-8 behind its length, in `lengthBytes` (2 or 4), little-endian. */
  text(value: string, lengthBytes: 2 | 4): void {
    // room for the longest UTF-8 (3 bytes per UTF-16 unit); most entries' owner references are empty
    this.ensure(lengthBytes + value.length * 3);
    const at = this.at;
    const length = value === "" ? 0 : this.buf.write(value, at + lengthBytes, "utf8");
    if (lengthBytes === 2 && length > 0xffff) throw new RangeError("reuse table: a string of more than 65,535 bytes");
    this.littleEndian(at, length, lengthBytes);
    this.at += lengthBytes + length;
  }

  /** A blob id or sha256: 64 lowercase hex digits, as 32 bytes. */
  id(hex: string): void {
    this.ensure(ID_BYTES);
    // hex decoding stops at the first character that is not a hex digit: 64 characters that give
    // 32 bytes, none of them upper case, are an id (one scan, no pattern anchored at both ends)
    const whole = hex.length === ID_BYTES * 2 && !UPPER_HEX.test(hex);
    if (!whole || this.buf.write(hex, this.at, "hex") !== ID_BYTES)
      throw new TypeError(`reuse table: not a blob id: ${hex.slice(0, 80)}`);
    this.at += ID_BYTES;
  }

  /** The bytes written since the last call (all, the first time), in order, not copied. */
  take(): Buffer[] {
    const parts = this.filled;
    this.filled = [];
    if (this.at > this.given) parts.push(this.buf.subarray(this.given, this.at));
    this.given = this.at;
    return parts;
  }
}

/** Reads a table's bytes in order; TableFormatError for anything out of bounds. */
export class ByteReader {
  at = 0;
  constructor(readonly buf: Buffer) {}

  need(bytes: number, what: string): number {
    const at = this.at;
    if (at + bytes > this.buf.length) throw new TableFormatError(`truncated in ${what}`);
    this.at += bytes;
    return at;
  }

  u8(what: string): number {
    return this.buf[this.need(1, what)] as number;
  }

  u16(what: string): number {
    return this.buf.readUInt16LE(this.need(2, what));
  }

  u32(what: string): number {
    return this.buf.readUInt32LE(this.need(4, what));
  }

  text(lengthBytes: 2 | 4, what: string): string {
    const length = lengthBytes === 2 ? this.u16(what) : this.u32(what);
    const at = this.need(length, what);
    return this.buf.toString("utf8", at, at + length);
  }

  /** Skips a string, checking it is within the bytes; its length. */
  skipText(lengthBytes: 2 | 4, what: string): number {
    const length = lengthBytes === 2 ? this.u16(what) : this.u32(what);
    this.need(length, what);
    return length;
  }
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a of bytes `start` to `end` of `buf`. */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (buf[i] as number), FNV_PRIME);
  return h >>> 0;
}

/** FNV-1a of a string's UTF-8, as hashBytes gives it for the same string's bytes. */
export function hashText(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) {
      const bytes = Buffer.from(s);
      return hashBytes(bytes, 0, bytes.length);
    }
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h >>> 0;
}

/** Combines hashes (of a place's parts). */
export const mixHashes = (a: number, b: number, c: number) =>
  Math.imul(Math.imul(a ^ b, FNV_PRIME) ^ c, FNV_PRIME) >>> 0;

/** Whether bytes `at` to `at + length` of `buf` are the UTF-8 of `s`. */
export function textEquals(buf: Buffer, at: number, length: number, s: string): boolean {
  if (s.length > length) return false; // UTF-8 has at least a byte per UTF-16 unit
  if (s.length === length) {
    let i = 0;
    for (; i < length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      if (c !== buf[at + i]) return false;
    }
    if (i === length) return true;
  }
  const bytes = Buffer.from(s);
  return bytes.length === length && bytes.equals(buf.subarray(at, at + length));
}

const hexDigit = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1);

/** Whether the 32 bytes at `at` of `buf` are the id `hex` (lowercase). */
export function idEquals(buf: Buffer, at: number, hex: string): boolean {
  if (hex.length !== ID_BYTES * 2) return false;
  for (let i = 0; i < ID_BYTES; i++) {
    const hi = hexDigit(hex.charCodeAt(2 * i));
    const lo = hexDigit(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0 || buf[at + i] !== hi * 16 + lo) return false;
  }
  return true;
}
