import { deflateRawSync, inflateRawSync } from "node:zlib";
import { IntegrityError } from "../errors.js";
import { MAX_OBJECT_BYTES } from "../snapshot/read-limits.js";
import { blobId, type Format2Keys, open, SEAL_OVERHEAD, seal } from "./keys.js";

/*
 * The bytes of frames and pack files (docs/format.md, "Packs" and "Compression"):
 *
 *   pack   = frame 0 | frame 1 | ... | header | header length (u32 BE) | "KDMPPAK2"
 *   header = entry 0 | entry 1 | ...           sealed as one box when the repository is encrypted
 *   entry  = type (u8) | compression (u8) | id (32) | frame offset (u32 BE) | frame length (u32 BE)
 *            | frame raw length (u32 BE) | offset in frame (u32 BE) | raw length (u32 BE)
 *   frame  = payload, or seal(payload) when encrypted; payload = deflate-raw(blob | blob | ...) or those bytes
 */

export type BlobType = "data" | "tree";
/** Of a frame: 0, stored as it is; 1, raw deflate (RFC 1951). */
export type Compression = 0 | 1;

/** One blob in a pack: what a pack header and an index file record. */
export interface PackEntry {
  /** 64 lowercase hex digits. */
  id: string;
  type: BlobType;
  /** The compression of the blob's frame. */
  compression: Compression;
  /** Where the blob's frame starts in the pack. */
  offset: number;
  /** Stored bytes of the blob's frame. */
  length: number;
  /** Plaintext bytes of the blob's frame. */
  frameRawLength: number;
  /** Where the blob starts in its frame's plaintext. */
  offsetInFrame: number;
  /** Plaintext bytes of the blob. */
  rawLength: number;
}

export const ENTRY_BYTES = 54;
export const PACK_MAGIC = Buffer.from("KDMPPAK2");
export const PACK_FOOTER_BYTES = 4 + PACK_MAGIC.length;
/**
 * zlib level of journal segments and of the frames a pack writer is not told the level of (the
 * journal's, prune's); the choice is measured in docs/format.md, "Compression". @defaultValue 6
 */
export const DEFLATE_LEVEL = 6;
/**
 * zlib level of a snapshot's frames unless the backup says otherwise (format 1's default gzip
 * level): 40% of level 6's CPU for about 8% more bytes (docs/format.md, "Compression"). @defaultValue 1
 */
export const DEFAULT_FRAME_LEVEL = 1;
/** The largest blob: an object's YAML or a tree node. @defaultValue MAX_OBJECT_BYTES (64 MiB) */
export const MAX_BLOB_BYTES = MAX_OBJECT_BYTES;
/** The largest frame target a writer may use. @defaultValue 16 MiB */
export const MAX_FRAME_TARGET_BYTES = 16 * 1024 * 1024;
/** The largest frame plaintext: a frame closes after the blob that reaches its target. */
export const MAX_FRAME_BYTES = MAX_FRAME_TARGET_BYTES + MAX_BLOB_BYTES;
/** The largest pack a reader fetches: one largest blob beside a full pack, and its header. @defaultValue 96 MiB */
export const MAX_PACK_BYTES = MAX_BLOB_BYTES + 32 * 1024 * 1024;

const TYPES: readonly BlobType[] = ["data", "tree"];
const FRAME_AAD = Buffer.from("KDMPFRM2");
const HEADER_AAD = Buffer.from("KDMPHDR2");

export function encodeEntry(entry: PackEntry, out: Buffer, at: number): void {
  out.writeUInt8(TYPES.indexOf(entry.type), at);
  out.writeUInt8(entry.compression, at + 1);
  out.write(entry.id, at + 2, 32, "hex");
  out.writeUInt32BE(entry.offset, at + 34);
  out.writeUInt32BE(entry.length, at + 38);
  out.writeUInt32BE(entry.frameRawLength, at + 42);
  out.writeUInt32BE(entry.offsetInFrame, at + 46);
  out.writeUInt32BE(entry.rawLength, at + 50);
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
    frameRawLength: data.readUInt32BE(at + 42),
    offsetInFrame: data.readUInt32BE(at + 46),
    rawLength: data.readUInt32BE(at + 50),
  };
}

/** Orders entries as their blobs lie in a pack, so each frame is inflated once when read in this order. */
export function byPlace(a: PackEntry, b: PackEntry): number {
  return a.offset - b.offset || a.offsetInFrame - b.offsetInFrame;
}

/** A frame as a pack stores it. */
export interface EncodedFrame {
  stored: Buffer;
  compression: Compression;
  rawLength: number;
}

/**
 * A frame as a pack stores it: the blobs' plaintext one after another, compressed together (zlib
 * `level`, default DEFLATE_LEVEL), sealed.
 */
export function encodeFrame(keys: Format2Keys | null, blobs: readonly Buffer[], level = DEFLATE_LEVEL): EncodedFrame {
  const plaintext = blobs.length === 1 ? (blobs[0] as Buffer) : Buffer.concat(blobs);
  return sealFrame(keys, plaintext, deflateRawSync(plaintext, { level }));
}

/** The frame of `plaintext`: its deflated bytes when smaller, sealed when the repository is encrypted. */
export function sealFrame(keys: Format2Keys | null, plaintext: Buffer, deflated: Buffer): EncodedFrame {
  const compression: Compression = deflated.length < plaintext.length ? 1 : 0;
  const payload = compression === 1 ? deflated : plaintext;
  const stored = keys === null ? payload : seal(keys, payload, FRAME_AAD);
  return { stored, compression, rawLength: plaintext.length };
}

/** Bytes a frame of `payload` bytes takes in a pack. */
export function sealedLength(keys: Format2Keys | null, payload: number): number {
  return keys === null ? payload : payload + SEAL_OVERHEAD;
}

/** The plaintext of the frame of `entry` from its stored bytes; IntegrityError naming the pack and the blob. */
export function decodeFrame(keys: Format2Keys | null, packKey: string, entry: PackEntry, stored: Buffer): Buffer {
  const fail = (problem: string, cause?: unknown) =>
    new IntegrityError(packKey, `blob ${entry.id}: frame at ${entry.offset}: ${problem}`, { cause });
  if (entry.frameRawLength > MAX_FRAME_BYTES) throw fail(`${entry.frameRawLength} bytes, more than a frame may be`);
  const payload = keys === null ? stored : open(keys, stored, FRAME_AAD);
  if (payload === undefined) throw fail("cannot decrypt: authentication failed (changed, truncated or moved)");
  let plaintext = payload;
  if (entry.compression === 1) {
    try {
      plaintext = inflateRawSync(payload, { maxOutputLength: Math.max(1, entry.frameRawLength) });
    } catch (err) {
      throw fail(`not valid deflate data of ${entry.frameRawLength} bytes`, err);
    }
  }
  if (plaintext.length !== entry.frameRawLength)
    throw fail(`holds ${plaintext.length} bytes, the header says ${entry.frameRawLength}`);
  return plaintext;
}

/** The plaintext of blob `entry` cut from its frame's plaintext, checked against its id. */
export function blobOfFrame(keys: Format2Keys | null, packKey: string, entry: PackEntry, frame: Buffer): Buffer {
  const fail = (problem: string) => new IntegrityError(packKey, `blob ${entry.id}: ${problem}`);
  if (entry.rawLength > MAX_BLOB_BYTES) throw fail(`${entry.rawLength} bytes, more than a blob may be`);
  const end = entry.offsetInFrame + entry.rawLength;
  if (end > frame.length) throw fail(`ends at ${end}, past its frame's ${frame.length} bytes`);
  const plaintext = frame.subarray(entry.offsetInFrame, end);
  if (blobId(keys, plaintext) !== entry.id) throw fail("content does not match its id");
  return plaintext;
}

/** The entries of a pack header, unsealed: what an index file lists of the pack too. */
export function encodeEntries(entries: readonly PackEntry[]): Buffer {
  const plain = Buffer.alloc(entries.length * ENTRY_BYTES);
  for (const [i, entry] of entries.entries()) encodeEntry(entry, plain, i * ENTRY_BYTES);
  return plain;
}

/** Header and footer that end a pack holding `entries` (or their encodeEntries bytes). */
export function encodeTrailer(keys: Format2Keys | null, entries: readonly PackEntry[] | Buffer): Buffer {
  const plain = Buffer.isBuffer(entries) ? entries : encodeEntries(entries);
  const header = keys === null ? plain : seal(keys, plain, HEADER_AAD);
  const footer = Buffer.alloc(4);
  footer.writeUInt32BE(header.length);
  return Buffer.concat([header, footer, PACK_MAGIC]);
}

/** The fields of an entry that place its blob (all but its id and type). */
type BlobPlace = Omit<PackEntry, "id" | "type">;

/** Whether `entry` continues the frame of `prev` (true), starts the next frame (false), or neither (undefined). */
function follows(prev: BlobPlace | undefined, entry: BlobPlace): boolean | undefined {
  const prevEnd = prev ? prev.offsetInFrame + prev.rawLength : 0;
  if (prev && entry.offset === prev.offset) {
    const same = entry.length === prev.length && entry.frameRawLength === prev.frameRawLength;
    return same && entry.compression === prev.compression && entry.offsetInFrame === prevEnd ? true : undefined;
  }
  const frameDone = !prev || prevEnd === prev.frameRawLength;
  const next = prev ? prev.offset + prev.length : 0;
  return frameDone && entry.offset === next && entry.offsetInFrame === 0 ? false : undefined;
}

/** Whether the entry at `at` has a known blob type and compression (the two bytes every entry starts with). */
export function knownEntryKind(plain: Buffer, at: number): boolean {
  const compression = plain[at + 1];
  return TYPES[plain[at] as number] !== undefined && (compression === 0 || compression === 1);
}

/** The place of the entry at `at` of `plain` into `into`; false when its type or compression byte is unknown. */
function readPlace(plain: Buffer, at: number, into: BlobPlace): boolean {
  if (!knownEntryKind(plain, at)) return false;
  const compression = plain[at + 1] as 0 | 1;
  into.compression = compression;
  into.offset = plain.readUInt32BE(at + 34);
  into.length = plain.readUInt32BE(at + 38);
  into.frameRawLength = plain.readUInt32BE(at + 42);
  into.offsetInFrame = plain.readUInt32BE(at + 46);
  into.rawLength = plain.readUInt32BE(at + 50);
  return true;
}

/**
 * The header entries of a whole pack as their plaintext bytes (ENTRY_BYTES each), checked as
 * decodeTrailer checks them but without an object per entry: for a reader that takes its blobs'
 * places from the index and wants the header only checked.
 */
export function checkTrailer(keys: Format2Keys | null, packKey: string, pack: Buffer): Buffer {
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
  const blank = (): BlobPlace => ({
    compression: 0,
    offset: 0,
    length: 0,
    frameRawLength: 0,
    offsetInFrame: 0,
    rawLength: 0,
  });
  let [prev, entry] = [undefined as BlobPlace | undefined, blank()];
  for (let at = 0, n = 0; at < plain.length; at += ENTRY_BYTES, n++) {
    const id = () => plain.toString("hex", at + 2, at + 34);
    if (!readPlace(plain, at, entry)) throw fail(`entry ${n}: unknown type or compression`);
    const inside =
      entry.offset + entry.length <= headerStart && entry.offsetInFrame + entry.rawLength <= entry.frameRawLength;
    if (!inside || follows(prev, entry) === undefined)
      throw fail(`entry ${n} (blob ${id()}) does not follow the previous one inside the pack`);
    [prev, entry] = [entry, prev ?? blank()];
  }
  if (prev && prev.offsetInFrame + prev.rawLength !== prev.frameRawLength)
    throw fail(`the last frame's blobs do not fill its ${prev.frameRawLength} bytes`);
  return plain;
}

/**
 * The entries of a whole pack's header, checked: frames one after another from offset 0 without
 * gaps, inside the pack; each frame's blobs one after another from its start, filling it.
 * IntegrityError naming the pack otherwise.
 */
export function decodeTrailer(keys: Format2Keys | null, packKey: string, pack: Buffer): PackEntry[] {
  return decodeEntries(checkTrailer(keys, packKey, pack));
}

/** The entries of checked entry bytes (checkTrailer's). */
export function decodeEntries(plain: Buffer): PackEntry[] {
  const entries: PackEntry[] = [];
  for (let at = 0; at < plain.length; at += ENTRY_BYTES) entries.push(decodeEntry(plain, at) as PackEntry);
  return entries;
}
