import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";

/*
 * Bytes of hostile tar archives for tests, written by hand (not by a tar library, which would
 * refuse or repair them): headers of any type, size and name, PAX and GNU long-name records, and
 * gzip bombs built from repeated gzip members, so gigabytes of zeros cost a few kilobytes and no
 * memory to make.
 */

const BLOCK = 512;
const TYPE_FLAGS = {
  file: "0",
  link: "1",
  symlink: "2",
  char: "3",
  block: "4",
  directory: "5",
  fifo: "6",
  pax: "x",
  "gnu-long-path": "L",
} as const;

export type TarType = keyof typeof TYPE_FLAGS;

export interface TarHeader {
  name: string;
  /** Bytes of data the header announces (base-256 above 8 GiB - 1, as GNU tar writes it). */
  size: number;
  type?: TarType;
  linkname?: string;
  /** ustar's prefix field, joined to the name with a `/` by readers. */
  prefix?: string;
}

function sizeField(size: number): Buffer {
  const field = Buffer.alloc(12);
  if (size < 8 ** 11) {
    field.write(`${size.toString(8).padStart(11, "0")}\0`, "latin1");
    return field;
  }
  let rest = BigInt(size);
  for (let i = 11; i > 0; i--) {
    field[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  field[0] = 0x80; // base-256 marker
  return field;
}

/** One 512-byte ustar header with a correct checksum. */
export function tarHeader({ name, size, type = "file", linkname = "", prefix = "" }: TarHeader): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, "utf8");
  h.write("0000644\0", 100, "latin1");
  h.write("0000000\0", 108, "latin1");
  h.write("0000000\0", 116, "latin1");
  sizeField(size).copy(h, 124);
  h.write("14712345670\0", 136, "latin1"); // mtime
  h.write(TYPE_FLAGS[type], 156, "latin1");
  h.write(linkname, 157, 100, "utf8");
  h.write("ustar\0" + "00", 257, "latin1");
  h.write(prefix, 345, 155, "utf8");
  h.fill(0x20, 148, 156);
  const sum = h.reduce((total, byte) => total + byte, 0);
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return h;
}

/** Zeros up to the next 512-byte block after `size` bytes. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** A header, its data and the padding; the header announces `data.length` unless `header.size` says otherwise. */
export function tarEntry(header: Omit<TarHeader, "size"> & { size?: number }, data: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([tarHeader({ ...header, size: header.size ?? data.length }), data, tarPadding(data.length)]);
}

/** A PAX extended header (type x) carrying `records`, e.g. { path: "../x" } or { size: "99999999999" }. */
export function paxEntry(records: Record<string, string>): Buffer {
  const body = Buffer.concat(
    Object.entries(records).map(([key, value]) => {
      const rest = Buffer.byteLength(` ${key}=${value}\n`);
      let length = rest + String(rest).length;
      if (String(length).length > String(rest).length) length += 1;
      return Buffer.from(`${length} ${key}=${value}\n`);
    }),
  );
  return tarEntry({ name: "PaxHeader", type: "pax" }, body);
}

/** A GNU long-name entry (type L) that renames the entry after it. */
export function gnuLongNameEntry(name: string): Buffer {
  return tarEntry({ name: "././@LongLink", type: "gnu-long-path" }, Buffer.from(`${name}\0`));
}

/** The two zero blocks that end an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

const MEMBER_BYTES = 1024 * 1024;
const members = new Map<number, Buffer>();

/**
 * `bytes` bytes of `fill` (zeros unless given) as a gzip stream of repeated members (gunzip reads
 * concatenated members as one stream): about 1 KiB stored per MiB. `bytes` must be a multiple of 1 MiB.
 */
export function gzippedFill(bytes: number, fill = 0): Buffer {
  if (bytes % MEMBER_BYTES !== 0) throw new RangeError(`gzippedFill: ${bytes} is not a multiple of 1 MiB`);
  const member = members.get(fill) ?? gzipSync(Buffer.alloc(MEMBER_BYTES, fill), { level: 9 });
  members.set(fill, member);
  return Buffer.concat(Array.from({ length: bytes / MEMBER_BYTES }, () => member));
}

/** sha256 (hex) of `bytes` zeros, hashed a MiB at a time. */
export function sha256OfZeros(bytes: number): string {
  const hash = createHash("sha256");
  const chunk = Buffer.alloc(Math.min(bytes, MEMBER_BYTES));
  for (let left = bytes; left > 0; left -= chunk.length)
    hash.update(left >= chunk.length ? chunk : chunk.subarray(0, left));
  return hash.digest("hex");
}

/** Each buffer gzipped as its own member, concatenated: one gzip stream of them all. */
export function gzipMembers(...parts: Buffer[]): Buffer {
  return Buffer.concat(parts.map((part) => gzipSync(part)));
}
