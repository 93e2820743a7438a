import { hash } from "node:crypto";
import { deflateRawSync } from "node:zlib";
import { IdSet } from "./id-set.js";
import type { Format2Keys } from "./keys.js";
import {
  type BlobType,
  ENTRY_BYTES,
  encodeEntry,
  encodeTrailer,
  MAX_FRAME_TARGET_BYTES,
  type PackEntry,
  sealFrame,
} from "./pack-format.js";

/**
 * A pack file is closed once its frames reach this size (docs/format.md, "Packs"); uploads go on
 * while the dump does, and a snapshot writer closes a large remainder before its tree
 * (PackWriter.closeIfLarge), so that its upload overlaps the tree's building. @defaultValue 16 MiB
 */
export const DEFAULT_PACK_TARGET_BYTES = 16 * 1024 * 1024;
/**
 * A frame is compressed once its blobs reach this much plaintext (docs/format.md, "Compression":
 * measured against 32 and 128 KiB, and against blobs compressed alone). @defaultValue 64 KiB
 */
export const DEFAULT_FRAME_TARGET_BYTES = 64 * 1024;

/** Bytes of pack header entries an assembler makes room for at first. @defaultValue 64 KiB */
const FIRST_ENTRY_BYTES = 64 * 1024;

export interface PackAssemblerOptions {
  /** null: an unencrypted repository. */
  keys: Format2Keys | null;
  /** zlib level of the frames, 0-9. */
  level: number;
  /** Close a pack at this many stored bytes (default DEFAULT_PACK_TARGET_BYTES). */
  targetBytes?: number;
  /** Close a frame at this many plaintext bytes (default DEFAULT_FRAME_TARGET_BYTES, at most 16 MiB). */
  frameBytes?: number;
}

/** `level` as a zlib level of frames, 0-9; RangeError naming it otherwise. */
export function frameLevel(level: number): number {
  if (!(Number.isInteger(level) && level >= 0 && level <= 9))
    throw new RangeError(`pack writer: level must be a whole number from 0 to 9, got ${level}`);
  return level;
}

/** A sealed pack file: its id (the sha256 of its bytes), bytes, header entries and blob count. */
export interface AssembledPack {
  id: string;
  pack: Buffer;
  /** The header's entries as encodeEntries gives them (an index file copies them). */
  entryBytes: Buffer;
  blobs: number;
}

/**
 * Lays blobs out as packs (docs/format.md, "Packs"), all at once on the calling thread: blobs join
 * the open frame until it holds `frameBytes`, which is then deflated (deflateRawSync; about 11 µs
 * a call beside the data's own cost, docs/decisions.md) and sealed; the frames join the open pack
 * until it holds `targetBytes`, which is then sealed with its header and named by its sha256. The
 * plaintexts are kept, not copied, until their frame is deflated; the blobs of a frame that lie
 * one after another in one buffer (a page of a dump) are deflated from it as they are. A blob
 * added before is not stored again (`skipped` counts them): the assembler keeps the ids it was
 * given as bytes (IdSet: 40–80 bytes a blob, in a table V8's collector does not look into) until
 * it is let go. The compressing thread runs one per pack writer (PackWriter, pack-streams.ts);
 * the tests run it anywhere.
 */
export class PackAssembler {
  private readonly keys: Format2Keys | null;
  private readonly level: number;
  private readonly target: number;
  private readonly frameTarget: number;
  private frame: Uint8Array[] = [];
  private frameIds: string[] = [];
  private frameTypes: BlobType[] = [];
  private frameRaw = 0;
  private parts: Buffer[] = [];
  private offset = 0;
  private entryBytes = Buffer.allocUnsafe(FIRST_ENTRY_BYTES);
  private entryCount = 0;
  /** Every blob id given. */
  private readonly given = new IdSet();
  /** Blobs given again, not stored. */
  skipped = 0;

  constructor(options: PackAssemblerOptions) {
    this.keys = options.keys;
    this.level = frameLevel(options.level);
    this.target = options.targetBytes ?? DEFAULT_PACK_TARGET_BYTES;
    this.frameTarget = Math.min(options.frameBytes ?? DEFAULT_FRAME_TARGET_BYTES, MAX_FRAME_TARGET_BYTES);
  }

  /** Stored bytes of the open pack, with the open frame's plaintext: what closeIfLarge weighs. */
  get openBytes(): number {
    return this.offset + this.frameRaw;
  }

  /**
   * Adds a blob (kept until its frame is deflated) unless it was given before; returns the pack it
   * filled, if it did.
   */
  add(type: BlobType, id: string, plaintext: Uint8Array): AssembledPack | undefined {
    if (!this.given.add(id)) {
      this.skipped += 1;
      return undefined;
    }
    this.frame.push(plaintext);
    this.frameIds.push(id);
    this.frameTypes.push(type);
    this.frameRaw += plaintext.length;
    if (this.frameRaw < this.frameTarget) return undefined;
    this.placeFrame();
    return this.offset >= this.target ? this.sealPack() : undefined;
  }

  /** Places the open frame and seals the open pack; undefined when it holds no blob. */
  close(): AssembledPack | undefined {
    this.placeFrame();
    return this.sealPack();
  }

  /** The open frame's plaintext: the blobs themselves when they lie back to back in one buffer. */
  private framePlaintext(): Buffer {
    const { frame } = this;
    const first = frame[0] as Uint8Array;
    let end = first.byteOffset + first.length;
    for (let i = 1; i < frame.length; i++) {
      const piece = frame[i] as Uint8Array;
      if (piece.buffer !== first.buffer || piece.byteOffset !== end) return Buffer.concat(frame);
      end += piece.length;
    }
    return Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset);
  }

  /** Deflates and seals the open frame and appends it, with its blobs' entries, to the open pack. */
  private placeFrame(): void {
    if (this.frame.length === 0) return;
    const plaintext = this.framePlaintext();
    const { stored, compression } = sealFrame(this.keys, plaintext, deflateRawSync(plaintext, { level: this.level }));
    this.makeEntryRoom(this.frame.length);
    const entry: PackEntry = {
      id: "",
      type: "data",
      compression,
      offset: this.offset,
      length: stored.length,
      frameRawLength: plaintext.length,
      offsetInFrame: 0,
      rawLength: 0,
    };
    for (let i = 0; i < this.frame.length; i++) {
      entry.id = this.frameIds[i] as string;
      entry.type = this.frameTypes[i] as BlobType;
      entry.rawLength = (this.frame[i] as Uint8Array).length;
      encodeEntry(entry, this.entryBytes, this.entryCount++ * ENTRY_BYTES);
      entry.offsetInFrame += entry.rawLength;
    }
    this.parts.push(stored);
    this.offset += stored.length;
    [this.frame, this.frameIds, this.frameTypes, this.frameRaw] = [[], [], [], 0];
  }

  /** Grows the open pack's entry bytes to hold `more` entries. */
  private makeEntryRoom(more: number): void {
    const needed = (this.entryCount + more) * ENTRY_BYTES;
    if (needed <= this.entryBytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.entryBytes.length * 2));
    this.entryBytes.copy(grown, 0, 0, this.entryCount * ENTRY_BYTES);
    this.entryBytes = grown;
  }

  private sealPack(): AssembledPack | undefined {
    if (this.entryCount === 0) return undefined;
    const entryBytes = Buffer.from(this.entryBytes.subarray(0, this.entryCount * ENTRY_BYTES));
    const pack = Buffer.concat([...this.parts, encodeTrailer(this.keys, entryBytes)]);
    const sealed = {
      id: hash("sha256", pack, "hex"),
      pack,
      entryBytes,
      blobs: this.entryCount,
    };
    [this.parts, this.offset, this.entryCount] = [[], 0, 0];
    return sealed;
  }
}
