import { createHash } from "node:crypto";
import type { ObjectStore } from "../stores/object-store.js";
import type { BlobIndex } from "./blob-index.js";
import { blobId, type Format2Keys } from "./keys.js";
import { packKey } from "./layout.js";
import {
  type BlobType,
  type EncodedFrame,
  encodeEntries,
  encodeFrameAsync,
  encodeTrailer,
  MAX_FRAME_TARGET_BYTES,
  type PackEntry,
  sealedLength,
} from "./pack-format.js";

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

/** A blob of the open frame: its entry without the frame's fields. */
type FrameBlob = Pick<PackEntry, "id" | "type" | "offsetInFrame" | "rawLength">;

/**
 * Frames compressed at once on libuv's thread pool while the caller goes on: enough to keep the
 * pool's threads busy, few enough that a frame's plaintext is not held long. @defaultValue 4
 */
const FRAMES_IN_FLIGHT = 4;

/** Packs uploaded at once while the next fills. @defaultValue 3 */
const UPLOADS_IN_FLIGHT = 3;

/** A closed frame being compressed, with its blobs. */
interface ClosingFrame {
  encoded: Promise<EncodedFrame>;
  blobs: FrameBlob[];
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
 * at once while the next fills. Frames are compressed on libuv's thread pool, FRAMES_IN_FLIGHT at
 * once, and placed in the order they closed. A blob already in the index, or already in the open pack, is
 * not written again. Blobs are added to the index when their pack is closed, so an index that saw
 * a failed writer must be loaded again before it is trusted.
 */
export class PackWriter {
  private readonly deps: PackWriterDeps;
  private readonly target: number;
  private readonly frameTarget: number;
  private frame: Buffer[] = [];
  private frameBlobs: FrameBlob[] = [];
  private frameRaw = 0;
  private closing: ClosingFrame[] = [];
  private closingAtMost = 0;
  private parts: Buffer[] = [];
  private entries: PackEntry[] = [];
  private pendingIds = new Set<string>();
  private offset = 0;
  private uploading: Promise<void>[] = [];
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
    if (this.deps.index.has(id) || this.pendingIds.has(id)) {
      this.stats.blobsReused += 1;
      return id;
    }
    this.frame.push(plaintext);
    this.frameBlobs.push({ id, type, offsetInFrame: this.frameRaw, rawLength: plaintext.length });
    this.frameRaw += plaintext.length;
    this.pendingIds.add(id);
    this.stats.blobsWritten += 1;
    if (this.frameRaw >= this.frameTarget) {
      this.closeFrame();
      while (this.closing.length > FRAMES_IN_FLIGHT) await this.placeFrame();
    }
    // Packs close where they would with every frame placed: the frames in flight are placed first
    // when they might reach the target.
    if (this.offset + this.closingAtMost >= this.target) while (this.closing.length > 0) await this.placeFrame();
    if (this.offset >= this.target) await this.closePack();
    return id;
  }

  /** Starts compressing (and sealing) the open frame; placeFrame puts it into the open pack. */
  private closeFrame(): void {
    if (this.frameBlobs.length === 0) return;
    const encoded = encodeFrameAsync(this.deps.keys, this.frame, this.deps.level);
    encoded.catch(() => {}); // awaited by placeFrame; handled there
    const atMost = sealedLength(this.deps.keys, this.frameRaw);
    this.closing.push({ encoded, blobs: this.frameBlobs, atMost });
    this.closingAtMost += atMost;
    [this.frame, this.frameBlobs, this.frameRaw] = [[], [], 0];
  }

  /** Waits for the oldest closed frame and appends it to the open pack, in the order frames closed. */
  private async placeFrame(): Promise<void> {
    const next = this.closing.shift();
    if (next === undefined) return;
    this.closingAtMost -= next.atMost;
    const { stored, compression, rawLength: frameRawLength } = await next.encoded;
    const [offset, length] = [this.offset, stored.length];
    for (const { id, type, offsetInFrame, rawLength } of next.blobs)
      this.entries.push({ id, type, offsetInFrame, rawLength, compression, offset, length, frameRawLength });
    this.parts.push(stored);
    this.offset += stored.length;
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
    await this.closePack();
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
    if (this.entries.length === 0) return;
    const entries = this.entries;
    const entryBytes = encodeEntries(entries);
    const pack = Buffer.concat([...this.parts, encodeTrailer(this.deps.keys, entries, entryBytes)]);
    [this.parts, this.entries, this.pendingIds, this.offset] = [[], [], new Set(), 0];
    const id = createHash("sha256").update(pack).digest("hex");
    for (const entry of entries) this.deps.index.add(id, entry);
    while (this.uploading.length >= UPLOADS_IN_FLIGHT) await this.uploading.shift();
    const upload = this.deps.store.put(packKey(id), pack);
    upload.catch(() => {}); // awaited by a later closePack or finish; handled there
    this.uploading.push(upload);
    this.stats.packs.push({ id, bytes: pack.length, entries, entryBytes });
    this.stats.storedBytes += pack.length;
  }
}
