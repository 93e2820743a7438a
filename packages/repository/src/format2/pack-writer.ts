import { webcrypto } from "node:crypto";
import type { ObjectStore } from "../stores/object-store.js";
import type { BlobIndex } from "./blob-index.js";
import { blobId, type Format2Keys } from "./keys.js";
import { packKey } from "./layout.js";
import {
  type BlobType,
  type EncodedFrame,
  DEFLATE_LEVEL,
  decodeEntries,
  ENTRY_BYTES,
  encodeEntry,
  encodeTrailer,
  MAX_FRAME_TARGET_BYTES,
  type PackEntry,
  sealedLength,
  sealFrame,
} from "./pack-format.js";
import { FrameDeflater } from "./frame-deflater.js";

/**
 * A pack file is closed once its frames reach this size (docs/format.md, "Packs"); uploads go on
 * while the dump does, and a snapshot writer closes a large remainder before its tree
 * (closeIfLarge), so that its upload overlaps the tree's building. @defaultValue 16 MiB
 */
export const DEFAULT_PACK_TARGET_BYTES = 16 * 1024 * 1024;
/**
 * A frame is compressed once its blobs reach this much plaintext (docs/format.md, "Compression":
 * measured against 32 and 128 KiB, and against blobs compressed alone). @defaultValue 64 KiB
 */
export const DEFAULT_FRAME_TARGET_BYTES = 64 * 1024;

/** Blobs of a frame: ids, types and plaintext lengths, in order (each starts where the one before ends). */
interface FrameBlobs {
  ids: string[];
  types: BlobType[];
  lengths: number[];
}

/** Bytes of pack header entries a writer makes room for at first. @defaultValue 64 KiB */
const FIRST_ENTRY_BYTES = 64 * 1024;

/**
 * Frames given to the deflater (one stream on libuv's thread pool, FrameDeflater) while the caller
 * goes on: enough to keep its thread busy, few enough that a frame's plaintext is not held long.
 * @defaultValue 4
 */
const FRAMES_IN_FLIGHT = 4;

/** Packs uploaded at once while the next fills. @defaultValue 3 */
const UPLOADS_IN_FLIGHT = 3;

/** A closed frame being compressed, with its blobs. */
interface ClosingFrame {
  encoded: Promise<EncodedFrame>;
  blobs: FrameBlobs;
  /** The most it can take in the pack: its plaintext, sealed (a frame deflate would grow is stored as it is). */
  atMost: number;
}

export interface PackWriterDeps {
  store: ObjectStore;
  /** null: an unencrypted repository. */
  keys: Format2Keys | null;
  /** The repository's blobs: a blob found here is not written again; written blobs are added to it. */
  index: BlobIndex;
  /** Close a pack at this many stored bytes (default DEFAULT_PACK_TARGET_BYTES). */
  targetBytes?: number;
  /** Close a frame at this many plaintext bytes (default DEFAULT_FRAME_TARGET_BYTES, at most 16 MiB). */
  frameBytes?: number;
  /** zlib level of the frames, 0-9 (default DEFLATE_LEVEL; a snapshot writer's, DEFAULT_FRAME_LEVEL). */
  level?: number;
}

/** A pack this writer stored. */
export interface WrittenPack {
  id: string;
  /** Bytes of the whole pack file. */
  bytes: number;
  entries: PackEntry[];
  /** The entries as encodeEntries gives them, when the writer kept them (an index file copies them). */
  entryBytes?: Buffer;
}

/**
 * A pack's id, the sha256 of its bytes, computed on libuv's thread pool (WebCrypto's digest): a
 * pack is about 16 MiB, 10–15 ms of the thread that serializes, which bounds a backup.
 */
async function packId(pack: Buffer): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest("SHA-256", pack)).toString("hex");
}

/** A written pack whose entries are decoded from its header's bytes when first asked for. */
function writtenPack(id: string, bytes: number, entryBytes: Buffer): WrittenPack {
  let entries: PackEntry[] | undefined;
  return {
    id,
    bytes,
    entryBytes,
    get entries(): PackEntry[] {
      entries ??= decodeEntries(entryBytes);
      return entries;
    },
  };
}

/** What a PackWriter did: packs stored, and blobs seen but not written (already in the repository). */
export interface PackWriterStats {
  packs: WrittenPack[];
  blobsWritten: number;
  blobsReused: number;
  storedBytes: number;
}

/**
 * Collects blobs into frames of about `frameBytes`, compressed (and sealed) together, and frames
 * into packs of about `targetBytes`, storing each pack when it is full, UPLOADS_IN_FLIGHT uploads
 * at once while the next fills. Frames are deflated by one stream on libuv's thread pool
 * (FrameDeflater), FRAMES_IN_FLIGHT given ahead, and placed in the order they closed. A blob already in the index, or already in the open pack, is
 * not written again. Blobs are added to the index when their pack is closed, so an index that saw
 * a failed writer must be loaded again before it is trusted.
 */
export class PackWriter {
  private readonly deps: PackWriterDeps;
  private readonly target: number;
  private readonly frameTarget: number;
  private frame: Buffer[] = [];
  private frameBlobs: FrameBlobs = { ids: [], types: [], lengths: [] };
  private frameRaw = 0;
  private closing: ClosingFrame[] = [];
  private closingAtMost = 0;
  private parts: Buffer[] = [];
  /** The open pack's header entries (encodeEntry's bytes), `entryCount` of them. */
  private entryBytes = Buffer.allocUnsafe(FIRST_ENTRY_BYTES);
  private entryCount = 0;
  private pendingIds = new Set<string>();
  private offset = 0;
  private uploading: Promise<void>[] = [];
  private deflater: FrameDeflater | undefined;
  private readonly stats: PackWriterStats = { packs: [], blobsWritten: 0, blobsReused: 0, storedBytes: 0 };

  constructor(deps: PackWriterDeps) {
    this.deps = deps;
    this.target = deps.targetBytes ?? DEFAULT_PACK_TARGET_BYTES;
    this.frameTarget = Math.min(deps.frameBytes ?? DEFAULT_FRAME_TARGET_BYTES, MAX_FRAME_TARGET_BYTES);
    const { level } = deps;
    if (level !== undefined && !(Number.isInteger(level) && level >= 0 && level <= 9))
      throw new RangeError(`pack writer: level must be a whole number from 0 to 9, got ${level}`);
  }

  /**
   * Stores `plaintext` as a blob unless the repository has it; resolves with its id. One call at a
   * time. The buffer is kept until its frame closes: the caller must not change it. `id`: its
   * blobId when the caller has it already (the sha256 it checked, in an unencrypted repository).
   */
  async add(type: BlobType, plaintext: Buffer, id = blobId(this.deps.keys, plaintext)): Promise<string> {
    await this.put(type, plaintext, id);
    return id;
  }

  /**
   * add, with the blob's id given, returning a promise only when the caller must wait (a frame
   * to place, a pack to close): most blobs only join the open frame, with no promise made. One
   * call at a time, the returned promise awaited before the next.
   */
  put(type: BlobType, plaintext: Buffer, id: string): Promise<void> | undefined {
    if (this.pendingIds.has(id) || this.deps.index.has(id)) {
      this.stats.blobsReused += 1;
      return undefined;
    }
    this.frame.push(plaintext);
    this.frameBlobs.ids.push(id);
    this.frameBlobs.types.push(type);
    this.frameBlobs.lengths.push(plaintext.length);
    this.frameRaw += plaintext.length;
    this.pendingIds.add(id);
    this.stats.blobsWritten += 1;
    if (this.frameRaw >= this.frameTarget) this.closeFrame();
    if (this.closing.length > FRAMES_IN_FLIGHT || this.mightBeFull()) return this.placeFrames();
    return undefined;
  }

  /** Whether the open pack reaches the target once the frames in flight are placed (at most). */
  private mightBeFull(): boolean {
    return this.offset + this.closingAtMost >= this.target;
  }

  /**
   * Places frames until FRAMES_IN_FLIGHT are left; then, as packs close where they would with
   * every frame placed, the rest when the pack might reach the target; then closes a full pack.
   */
  private async placeFrames(): Promise<void> {
    while (this.closing.length > FRAMES_IN_FLIGHT) await this.placeFrame();
    if (this.mightBeFull()) while (this.closing.length > 0) await this.placeFrame();
    if (this.offset >= this.target) await this.closePack();
  }

  /** Starts compressing (and sealing) the open frame; placeFrame puts it into the open pack. */
  private closeFrame(): void {
    if (this.frame.length === 0) return;
    const { keys, level = DEFLATE_LEVEL } = this.deps;
    const plaintext = this.frame.length === 1 ? (this.frame[0] as Buffer) : Buffer.concat(this.frame);
    this.deflater ??= new FrameDeflater(level);
    const encoded = this.deflater.deflate(plaintext).then((deflated) => sealFrame(keys, plaintext, deflated));
    encoded.catch(() => {}); // awaited by placeFrame; handled there
    const atMost = sealedLength(this.deps.keys, this.frameRaw);
    this.closing.push({ encoded, blobs: this.frameBlobs, atMost });
    this.closingAtMost += atMost;
    [this.frame, this.frameBlobs, this.frameRaw] = [[], { ids: [], types: [], lengths: [] }, 0];
  }

  /** Waits for the oldest closed frame and appends it to the open pack, in the order frames closed. */
  private async placeFrame(): Promise<void> {
    const next = this.closing.shift();
    if (next === undefined) return;
    this.closingAtMost -= next.atMost;
    const { stored, compression, rawLength: frameRawLength } = await next.encoded;
    const { ids, types, lengths } = next.blobs;
    this.makeEntryRoom(ids.length);
    // one entry object per frame, written blob by blob: no object per blob kept until the pack closes
    const [offset, length] = [this.offset, stored.length];
    const entry: PackEntry = {
      id: "",
      type: "data",
      compression,
      offset,
      length,
      frameRawLength,
      offsetInFrame: 0,
      rawLength: 0,
    };
    for (let i = 0; i < ids.length; i++) {
      [entry.id, entry.type, entry.rawLength] = [ids[i] as string, types[i] as BlobType, lengths[i] as number];
      encodeEntry(entry, this.entryBytes, this.entryCount++ * ENTRY_BYTES);
      entry.offsetInFrame += entry.rawLength;
    }
    this.parts.push(stored);
    this.offset += stored.length;
  }

  /** Grows the open pack's entry bytes to hold `more` entries. */
  private makeEntryRoom(more: number): void {
    const needed = (this.entryCount + more) * ENTRY_BYTES;
    if (needed <= this.entryBytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.entryBytes.length * 2));
    this.entryBytes.copy(grown, 0, 0, this.entryCount * ENTRY_BYTES);
    this.entryBytes = grown;
  }

  /**
   * Seals the open pack and starts its upload when it holds a quarter of the target or more (at
   * most, counting frames still being compressed); a smaller pack stays open for what follows.
   * A snapshot writer calls it before its tree, whose blobs then share a pack only with a small
   * remainder of the objects.
   */
  async closeIfLarge(): Promise<void> {
    if (this.offset + this.closingAtMost + this.frameRaw >= this.target / 4) await this.closePack();
  }

  /** Seals the open pack and starts its upload (finish waits for it); resolves with every pack sealed. */
  async close(): Promise<readonly WrittenPack[]> {
    await this.closePack();
    return this.stats.packs;
  }

  /** Stores the open pack and waits for every upload; resolves with what was written, or rejects with the first failure. */
  async finish(): Promise<PackWriterStats> {
    try {
      await this.closePack();
    } finally {
      this.deflater?.close();
      this.deflater = undefined;
    }
    const uploads = this.uploading.splice(0);
    for (const upload of uploads) await upload;
    return this.stats;
  }

  /**
   * Closes the open frame, seals the open pack, adds its blobs to the index and starts its upload
   * once fewer than UPLOADS_IN_FLIGHT are under way (a failed one fails this call).
   */
  private async closePack(): Promise<void> {
    this.closeFrame();
    while (this.closing.length > 0) await this.placeFrame();
    if (this.entryCount === 0) return;
    const entryBytes = Buffer.from(this.entryBytes.subarray(0, this.entryCount * ENTRY_BYTES));
    const pack = Buffer.concat([...this.parts, encodeTrailer(this.deps.keys, entryBytes)]);
    [this.parts, this.entryCount, this.pendingIds, this.offset] = [[], 0, new Set(), 0];
    const id = await packId(pack);
    this.deps.index.addEntries(id, entryBytes);
    while (this.uploading.length >= UPLOADS_IN_FLIGHT) await this.uploading.shift();
    const upload = this.deps.store.put(packKey(id), pack, { sha256: id });
    upload.catch(() => {}); // awaited by a later closePack or finish; handled there
    this.uploading.push(upload);
    this.stats.packs.push(writtenPack(id, pack.length, entryBytes));
    this.stats.storedBytes += pack.length;
  }
}
