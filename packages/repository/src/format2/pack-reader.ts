import { createHash, webcrypto } from "node:crypto";
import { IntegrityError } from "../errors.js";
import type { ObjectStore } from "../stores/object-store.js";
import type { Format2Keys } from "./keys.js";
import { packKey } from "./layout.js";
import {
  blobOfFrame,
  checkTrailer,
  decodeEntries,
  decodeFrame,
  MAX_PACK_BYTES,
  PACK_FOOTER_BYTES,
  type PackEntry,
} from "./pack-format.js";

/** A pack read whole and checked against its id: its header's entries and its blobs' plaintext. */
export interface LoadedPack {
  id: string;
  key: string;
  /** Its size. */
  bytes: number;
  /** Its bytes, checked against its id. */
  data: Buffer;
  entries: PackEntry[];
  /**
   * The plaintext of one blob of this pack, checked against its id (IntegrityError otherwise).
   * Its frame is inflated once for consecutive reads of its blobs (FRAMES_KEPT frames are kept).
   */
  blob(entry: PackEntry): Buffer;
}

/** How many inflated frames a LoadedPack keeps, and a BlobSource of frames read alone: blobs are read in offset order. @defaultValue 4 */
export const FRAMES_KEPT = 4;

export interface PackReaderDeps {
  store: ObjectStore;
  keys: Format2Keys | null;
}

/** Wraps the bytes of pack `id`, checking their sha256 against the id and decoding the header. */
export function parsePack(keys: Format2Keys | null, id: string, data: Buffer): LoadedPack {
  return checkedPack(keys, id, data, createHash("sha256").update(data).digest("hex"));
}

/**
 * Wraps the bytes of pack `id` once `actual`, their sha256, is its id (IntegrityError otherwise),
 * and its header is checked (checkTrailer); its entries are decoded into objects only when asked
 * for: a reader of blobs takes their places from the index.
 */
function checkedPack(keys: Format2Keys | null, id: string, data: Buffer, actual: string): LoadedPack {
  const key = packKey(id);
  if (actual !== id) throw new IntegrityError(key, `pack bytes hash to ${actual}, not to the pack's id`);
  const header = checkTrailer(keys, key, data);
  let entries: PackEntry[] | undefined;
  const frames = new Map<string, Buffer>();
  const frameOf = (entry: PackEntry): Buffer => {
    const place = framePlace(entry);
    const kept = frames.get(place);
    if (kept) return kept;
    const frame = decodeFrame(keys, key, entry, data.subarray(entry.offset, entry.offset + entry.length));
    frames.set(place, frame);
    for (const old of frames.keys()) {
      if (frames.size <= FRAMES_KEPT) break;
      frames.delete(old);
    }
    return frame;
  };
  return {
    id,
    key,
    bytes: data.length,
    data,
    get entries() {
      entries ??= decodeEntries(header);
      return entries;
    },
    blob: (entry) => blobOfFrame(keys, key, entry, frameOf(entry)),
  };
}

/**
 * Reads pack `id` whole: no more than `maxBytes` (the size the index records for it, when known;
 * MAX_PACK_BYTES at most), then checks it as parsePack does, its sha256 computed on libuv's thread
 * pool (WebCrypto), not on the main thread, which meanwhile goes on with the blobs of the pack
 * before. ObjectNotFoundError naming the key when it is missing.
 */
export async function readPack(deps: PackReaderDeps, id: string, maxBytes = MAX_PACK_BYTES): Promise<LoadedPack> {
  const data = await deps.store.getBuffer(packKey(id), Math.min(maxBytes, MAX_PACK_BYTES));
  const digest = Buffer.from(await webcrypto.subtle.digest("SHA-256", data));
  return checkedPack(deps.keys, id, data, digest.toString("hex"));
}

/** The frame of `entry` as the index places it: the same string for every blob of one frame. */
export function framePlace(entry: PackEntry): string {
  return `${entry.offset} ${entry.length} ${entry.frameRawLength} ${entry.compression}`;
}

/**
 * Checks, before any byte is read, that the index places the frame of `entry` inside its pack of
 * `packBytes` bytes (as an index file records them; MAX_PACK_BYTES at most), before the pack's
 * footer: IntegrityError naming the pack (`key`) otherwise.
 */
export function checkFramePlace(key: string, entry: PackEntry, packBytes: number): void {
  if (packBytes > MAX_PACK_BYTES)
    throw new IntegrityError(key, `the index records ${packBytes} bytes, more than a pack may be`);
  const end = entry.offset + entry.length;
  if (end > packBytes - PACK_FOOTER_BYTES)
    throw new IntegrityError(
      key,
      `blob ${entry.id}: the index places its frame at bytes ${entry.offset}-${end}, past the frames of the pack's ${packBytes} bytes`,
    );
}

/** Bytes of a pack read at once: they hold `frames` (an entry of each, in offset order). */
export interface PackRange {
  offset: number;
  length: number;
  frames: PackEntry[];
}

/**
 * The ranges to read for `frames` (an entry of each, sorted byPlace): a frame that starts at most
 * `gap` bytes after the end of the range before joins it, unless that makes it longer than `most`
 * bytes (a frame longer than that is a range alone).
 */
export function frameRanges(frames: readonly PackEntry[], gap: number, most: number): PackRange[] {
  const ranges: PackRange[] = [];
  let last: PackRange | undefined;
  for (const frame of frames) {
    const end = last && Math.max(last.offset + last.length, frame.offset + frame.length);
    if (last && end !== undefined && frame.offset <= last.offset + last.length + gap && end - last.offset <= most) {
      last.length = end - last.offset;
      last.frames.push(frame);
    } else {
      last = { offset: frame.offset, length: frame.length, frames: [frame] };
      ranges.push(last);
    }
  }
  return ranges;
}

/** A range of a pack read alone. */
export interface LoadedRange {
  range: PackRange;
  /** The range's stored bytes, as read. */
  data: Buffer;
  /** The plaintext of the frame of `entry`, one of the range's frames; IntegrityError naming the pack when it does not decode. */
  frame(entry: PackEntry): Buffer;
}

/**
 * Reads `range` of pack `id` alone: its frames, not the pack's hash or header (each blob is
 * checked against its id as it is cut out of its frame, and a sealed frame is authenticated).
 * IntegrityError naming the pack when the pack does not hold the range; ObjectNotFoundError when
 * the pack is missing.
 */
export async function readRange(deps: RangeReaderDeps, id: string, range: PackRange): Promise<LoadedRange> {
  const key = packKey(id);
  const data = await deps.store.getRange(key, range.offset, range.length);
  const frame = (entry: PackEntry) => {
    const at = entry.offset - range.offset;
    if (at < 0 || at + entry.length > data.length) throw new RangeError(`frame at ${entry.offset} is not in the range`);
    return decodeFrame(deps.keys, key, entry, data.subarray(at, at + entry.length));
  };
  return { range, data, frame };
}

/** A store that reads ranges, and the repository's keys. */
export interface RangeReaderDeps {
  store: Required<Pick<ObjectStore, "getRange">>;
  keys: Format2Keys | null;
}
