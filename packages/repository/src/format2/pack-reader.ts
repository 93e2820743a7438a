import { createHash } from "node:crypto";
import { IntegrityError } from "../errors.js";
import type { ObjectStore } from "../stores/object-store.js";
import type { Format2Keys } from "./keys.js";
import { packKey } from "./layout.js";
import { blobOfFrame, decodeFrame, decodeTrailer, MAX_PACK_BYTES, type PackEntry } from "./pack-format.js";

/** A pack read whole and checked against its id: its header's entries and its blobs' plaintext. */
export interface LoadedPack {
  id: string;
  key: string;
  entries: PackEntry[];
  /**
   * The plaintext of one blob of this pack, checked against its id (IntegrityError otherwise).
   * Its frame is inflated once for consecutive reads of its blobs (FRAMES_KEPT frames are kept).
   */
  blob(entry: PackEntry): Buffer;
}

/** How many inflated frames a LoadedPack keeps: blobs are read in offset order. @defaultValue 4 */
export const FRAMES_KEPT = 4;

export interface PackReaderDeps {
  store: ObjectStore;
  keys: Format2Keys | null;
}

/** Wraps the bytes of pack `id`, checking their sha256 against the id and decoding the header. */
export function parsePack(keys: Format2Keys | null, id: string, data: Buffer): LoadedPack {
  const key = packKey(id);
  const actual = createHash("sha256").update(data).digest("hex");
  if (actual !== id) throw new IntegrityError(key, `pack bytes hash to ${actual}, not to the pack's id`);
  const entries = decodeTrailer(keys, key, data);
  const frames = new Map<string, Buffer>();
  const frameOf = (entry: PackEntry): Buffer => {
    const place = `${entry.offset} ${entry.length} ${entry.frameRawLength} ${entry.compression}`;
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
  return { id, key, entries, blob: (entry) => blobOfFrame(keys, key, entry, frameOf(entry)) };
}

/**
 * Reads pack `id` whole: no more than `maxBytes` (the size the index records for it, when known;
 * MAX_PACK_BYTES at most), then parsePack. ObjectNotFoundError naming the key when it is missing.
 */
export async function readPack(deps: PackReaderDeps, id: string, maxBytes = MAX_PACK_BYTES): Promise<LoadedPack> {
  const data = await deps.store.getBuffer(packKey(id), Math.min(maxBytes, MAX_PACK_BYTES));
  return parsePack(deps.keys, id, data);
}
