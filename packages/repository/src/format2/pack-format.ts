import { deflateRawSync, inflateRawSync } from "node:zlib";
import { IntegrityError } from "../errors.js";
import { MAX_OBJECT_BYTES } from "../snapshot/read-limits.js";
import { blobIdBytes, type Format2Keys, open, SEAL_OVERHEAD, seal } from "./keys.js";

/*
 * The bytes of blobs and pack files (docs/format.md, "Packs"):
 *
 *   pack   = blob 0 | blob 1 | ... | header | header length (u32 BE) | "KDMPPAK2"
 *   header = entry 0 | entry 1 | ...           sealed as one box when the repository is encrypted
 *   entry  = type (u8) | compression (u8) | id (32) | offset (u32 BE) | length (u32 BE) | raw length (u32 BE)
 *   blob   = payload, or seal(payload) when encrypted; payload = deflate-raw(plaintext) or plaintext
 */

export type BlobType = "data" | "tree";
/** 0: stored as it is; 1: raw deflate (RFC 1951). */
export type Compression = 0 | 1;

/** One blob in a pack: what a pack header and an index file record. */
export interface PackEntry {
  /** 64 lowercase hex digits. */
  id: string;
  type: BlobType;
  compression: Compression;
  offset: number;
  /** Stored bytes in the pack. */
  length: number;
  /** Plaintext bytes. */
  rawLength: number;
}

export const ENTRY_BYTES = 46;
export const PACK_MAGIC = Buffer.from("KDMPPAK2");
export const PACK_FOOTER_BYTES = 4 + PACK_MAGIC.length;
/** zlib level of blobs; the choice is measured in docs/format.md, "Compression". @defaultValue 6 */
export const DEFLATE_LEVEL = 6;
/** The largest blob: an object's YAML or a tree node. @defaultValue MAX_OBJECT_BYTES (64 MiB) */
export const MAX_BLOB_BYTES = MAX_OBJECT_BYTES;
/** The largest pack a reader fetches: one largest blob beside a full pack, and its header. @defaultValue 96 MiB */
export const MAX_PACK_BYTES = MAX_BLOB_BYTES + 32 * 1024 * 1024;

const TYPES: readonly BlobType[] = ["data", "tree"];
const BLOB_AAD = Buffer.from("KDMPBLB2");
const HEADER_AAD = Buffer.from("KDMPHDR2");

export function encodeEntry(entry: PackEntry, out: Buffer, at: number): void {
  out.writeUInt8(TYPES.indexOf(entry.type), at);
  out.writeUInt8(entry.compression, at + 1);
  out.write(entry.id, at + 2, 32, "hex");
  out.writeUInt32BE(entry.offset, at + 34);
  out.writeUInt32BE(entry.length, at + 38);
  out.writeUInt32BE(entry.rawLength, at + 42);
}

/** The entry at `at`; undefined when its type or compression byte is unknown. */
export function decodeEntry(data: Buffer, at: number): PackEntry | undefined {
  const type = TYPES[data.readUInt8(at)];
  const compression = data.readUInt8(at + 1);
  if (type === undefined || (compression !== 0 && compression !== 1)) return undefined;
  return {
    type,
    compression,
    id: data.toString("hex", at + 2, at + 34),
    offset: data.readUInt32BE(at + 34),
    length: data.readUInt32BE(at + 38),
    rawLength: data.readUInt32BE(at + 42),
  };
}

function blobAad(type: BlobType, id: Buffer): Buffer {
  return Buffer.concat([BLOB_AAD, Buffer.of(TYPES.indexOf(type)), id]);
}

/** A blob as a pack stores it, and its id. */
export function encodeBlob(
  keys: Format2Keys | null,
  type: BlobType,
  plaintext: Buffer,
): { id: string; stored: Buffer; compression: Compression } {
  const idBytes = blobIdBytes(keys, plaintext);
  const deflated = deflateRawSync(plaintext, { level: DEFLATE_LEVEL });
  const compression: Compression = deflated.length < plaintext.length ? 1 : 0;
  const payload = compression === 1 ? deflated : plaintext;
  const stored = keys === null ? payload : seal(keys, payload, blobAad(type, idBytes));
  return { id: idBytes.toString("hex"), stored, compression };
}

/** Bytes a blob of `payload` bytes takes in a pack. */
export function sealedLength(keys: Format2Keys | null, payload: number): number {
  return keys === null ? payload : payload + SEAL_OVERHEAD;
}

function inflate(packKey: string, entry: PackEntry, payload: Buffer): Buffer {
  if (entry.compression === 0) return payload;
  try {
    return inflateRawSync(payload, { maxOutputLength: Math.max(1, entry.rawLength) });
  } catch (err) {
    throw new IntegrityError(packKey, `blob ${entry.id}: not valid deflate data of ${entry.rawLength} bytes`, {
      cause: err,
    });
  }
}

/** The plaintext of a stored blob, its length and id checked; IntegrityError naming the pack and the blob. */
export function decodeBlob(keys: Format2Keys | null, packKey: string, entry: PackEntry, stored: Buffer): Buffer {
  const fail = (problem: string) => new IntegrityError(packKey, `blob ${entry.id}: ${problem}`);
  if (entry.rawLength > MAX_BLOB_BYTES) throw fail(`${entry.rawLength} bytes, more than a blob may be`);
  const payload = keys === null ? stored : open(keys, stored, blobAad(entry.type, Buffer.from(entry.id, "hex")));
  if (payload === undefined) throw fail("cannot decrypt: authentication failed (changed, truncated or moved)");
  const plaintext = inflate(packKey, entry, payload);
  if (plaintext.length !== entry.rawLength)
    throw fail(`holds ${plaintext.length} bytes, the header says ${entry.rawLength}`);
  if (blobIdBytes(keys, plaintext).toString("hex") !== entry.id) throw fail("content does not match its id");
  return plaintext;
}

/** Header and footer that end a pack holding `entries`. */
export function encodeTrailer(keys: Format2Keys | null, entries: readonly PackEntry[]): Buffer {
  const plain = Buffer.alloc(entries.length * ENTRY_BYTES);
  for (const [i, entry] of entries.entries()) encodeEntry(entry, plain, i * ENTRY_BYTES);
  const header = keys === null ? plain : seal(keys, plain, HEADER_AAD);
  const footer = Buffer.alloc(4);
  footer.writeUInt32BE(header.length);
  return Buffer.concat([header, footer, PACK_MAGIC]);
}

/**
 * The entries of a whole pack's header, each checked to lie in the pack, one after another from
 * offset 0 without gaps; IntegrityError naming the pack otherwise.
 */
export function decodeTrailer(keys: Format2Keys | null, packKey: string, pack: Buffer): PackEntry[] {
  const fail = (problem: string) => new IntegrityError(packKey, `pack header: ${problem}`);
  if (pack.length < PACK_FOOTER_BYTES || !pack.subarray(pack.length - PACK_MAGIC.length).equals(PACK_MAGIC))
    throw fail("no KDMPPAK2 footer (not a format-2 pack, or truncated)");
  const headerLength = pack.readUInt32BE(pack.length - PACK_FOOTER_BYTES);
  const headerStart = pack.length - PACK_FOOTER_BYTES - headerLength;
  if (headerStart < 0) throw fail(`header length ${headerLength} exceeds the pack`);
  const stored = pack.subarray(headerStart, headerStart + headerLength);
  const plain = keys === null ? stored : open(keys, stored, HEADER_AAD);
  if (plain === undefined) throw fail("cannot decrypt: authentication failed");
  if (plain.length % ENTRY_BYTES !== 0) throw fail(`length ${plain.length} is not a multiple of ${ENTRY_BYTES}`);
  const entries: PackEntry[] = [];
  let end = 0;
  for (let at = 0; at < plain.length; at += ENTRY_BYTES) {
    const entry = decodeEntry(plain, at);
    if (entry === undefined) throw fail(`entry ${entries.length}: unknown type or compression`);
    if (entry.offset !== end || entry.offset + entry.length > headerStart)
      throw fail(`entry ${entries.length} (blob ${entry.id}) does not follow the previous one inside the pack`);
    end = entry.offset + entry.length;
    entries.push(entry);
  }
  return entries;
}
