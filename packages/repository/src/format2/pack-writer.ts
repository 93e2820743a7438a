import { GzipThread } from "../archive/gzip-thread.js";
import type { FromWorker, PackToWorker } from "../archive/gzip-messages.js";
import type { ObjectStore } from "../stores/object-store.js";
import type { BlobIndex } from "./blob-index.js";
import { blobId, type Format2Keys } from "./keys.js";
import { packKey } from "./layout.js";
import { DEFAULT_PACK_TARGET_BYTES, frameLevel } from "./pack-assembler.js";
import { type BlobType, DEFLATE_LEVEL, decodeEntries, type PackEntry } from "./pack-format.js";

export { DEFAULT_FRAME_TARGET_BYTES, DEFAULT_PACK_TARGET_BYTES } from "./pack-assembler.js";

/**
 * Bytes of blobs given with their bytes (add, put) gathered before they go to the thread in one
 * message. @defaultValue 256 KiB
 */
const STAGE_BYTES = 256 * 1024;
/**
 * Bytes of blobs given with their bytes that the thread may not have taken yet before put waits
 * (blobs of a kept batch wait with the batch's digests instead). @defaultValue 8 MiB
 */
const AHEAD_BYTES = 8 * 1024 * 1024;

/** Packs uploaded at once while the next fills. @defaultValue 3 */
const UPLOADS_IN_FLIGHT = 3;

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

/** The digests of a batch (digest), kept on the thread for putPiece. */
export interface KeptDigests {
  sha256: string[];
  /** The blob ids: the sha256 themselves unless the repository is encrypted. */
  ids: string[];
  /** The batch's number, for putPiece and sendPieces. */
  batch: number;
}

/**
 * Collects blobs into frames of about `frameBytes`, compressed (and sealed) together, and frames
 * into packs of about `targetBytes`, storing each pack when it is full, UPLOADS_IN_FLIGHT uploads
 * at once while the next fills. The frames and packs are made on the process's compressing thread
 * (archive/gzip-thread.ts, which runs nicer than the thread that serializes; format2/
 * pack-streams.ts), not on the caller's: blobs given with their bytes go there in messages of
 * STAGE_BYTES, and the objects of a dump's page, which go there to be hashed (digest), are kept
 * there and taken by number (putPiece, sendPieces), with no second copy. Each sealed pack comes
 * back, is added to the index and uploaded (docs/benchmarks.md, "The packs on the compressing
 * thread"). A blob already in the index (see lookUp), or already given (the thread skips it), is
 * not written again. Blobs are added to the index when their pack comes back, so an index that
 * saw a failed writer must be loaded again before it is trusted. A writer not finished must be
 * aborted, or the thread keeps its open pack.
 */
export class PackWriter {
  private readonly deps: PackWriterDeps;
  private readonly target: number;
  private readonly level: number;
  private thread: GzipThread | undefined;
  private stream = 0;
  private staged: Buffer[] = [];
  private stagedIds: string[] = [];
  private stagedTypes: BlobType[] = [];
  private stagedBytes = 0;
  /**
   * Whether blobs are looked up in the index: not when it was empty at first (a new repository's,
   * a prune's), where it holds only this writer's blobs, which the thread skips itself.
   */
  private readonly lookUp: boolean;
  /** Blobs found in the index, and blobs the thread skipped (given twice), as it last said. */
  private found = 0;
  private skipped = 0;
  /** Bytes sent with their blobs that the thread has not taken yet. */
  private ahead = 0;
  /** Kept batch (digest) → the numbers of its pieces given (putPiece), to send (sendPieces). */
  private readonly batches = new Map<number, number[]>();
  private readonly uploading = new Set<Promise<void>>();
  private readonly queued: { id: string; pack: Buffer }[] = [];
  private readonly closing: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private wake: (() => void)[] = [];
  private failure: Error | undefined;
  private readonly stats: PackWriterStats = { packs: [], blobsWritten: 0, blobsReused: 0, storedBytes: 0 };

  constructor(deps: PackWriterDeps) {
    this.deps = deps;
    this.target = deps.targetBytes ?? DEFAULT_PACK_TARGET_BYTES;
    // checked here too, so that a bad level fails the writer's making, not its first pack
    this.level = frameLevel(deps.level ?? DEFLATE_LEVEL);
    this.lookUp = deps.index.size > 0;
  }

  /** Opens this writer's stream on the compressing thread (once). */
  private open(): GzipThread {
    if (this.thread) return this.thread;
    const thread = GzipThread.get();
    this.thread = thread;
    this.stream = thread.listen((m) => this.onMessage(m));
    const { keys, targetBytes, frameBytes } = this.deps;
    // the keys' own 32 bytes: a Buffer posted as it is takes along the whole pool slab it may lie in
    const sealing = keys && { idKey: new Uint8Array(keys.idKey), sealKey: new Uint8Array(keys.sealKey) };
    this.post({ type: "pack-open", id: this.stream, keys: sealing, level: this.level, targetBytes, frameBytes });
    return thread;
  }

  private post(m: PackToWorker, transfer?: ArrayBuffer[]): void {
    this.thread?.post(m, transfer);
  }

  /**
   * The sha256 and blob id of each of `pieces`, computed on the compressing thread, which keeps
   * them for putPiece (until sendPieces or the writer's end). `idKey`: the keyed ids' key.
   */
  async digest(pieces: readonly Uint8Array[], idKey?: Uint8Array): Promise<KeptDigests> {
    if (this.failure) throw this.failure;
    const thread = this.open();
    if (pieces.length === 0) return { sha256: [], ids: [], batch: 0 };
    const { sha256, ids, batch } = await thread.digest(pieces, idKey, this.stream);
    return { sha256, ids: ids ?? sha256, batch: batch ?? 0 };
  }

  /**
   * Stores `plaintext` as a blob unless the repository has it; resolves with its id. One call at a
   * time. The buffer is kept until it is sent: the caller must not change it. `id`: its blobId
   * when the caller has it already (the sha256 it checked, in an unencrypted repository).
   */
  async add(type: BlobType, plaintext: Buffer, id = blobId(this.deps.keys, plaintext)): Promise<string> {
    await this.put(type, plaintext, id);
    return id;
  }

  /**
   * Whether the index holds the blob (see lookUp); counts it as reused if so. A blob given twice
   * is the thread's to skip (PackAssembler): no set of the ids given is kept here.
   */
  private known(id: string): boolean {
    if (!this.lookUp || !this.deps.index.has(id)) return false;
    this.found += 1;
    return true;
  }

  /**
   * add, with the blob's id given, returning a promise only when the caller must wait (the thread
   * or the uploads behind): most blobs are only gathered, with no promise made. One call at a
   * time, the returned promise awaited before the next.
   */
  put(type: BlobType, plaintext: Buffer, id: string): Promise<void> | undefined {
    if (this.known(id)) return undefined;
    if (this.failure) return Promise.reject(this.failure);
    this.open();
    this.staged.push(plaintext);
    this.stagedIds.push(id);
    this.stagedTypes.push(type);
    this.stagedBytes += plaintext.length;
    if (this.stagedBytes >= STAGE_BYTES) this.sendStaged();
    return this.mustWait() ? this.room() : undefined;
  }

  /**
   * Stores piece `piece` of kept batch `digests` (digest) as a blob of id `id` unless the
   * repository has it; the pieces go when sendPieces is called for the batch.
   */
  putPiece(digests: KeptDigests, piece: number, id: string): void {
    if (this.known(id)) return;
    const pieces = this.batches.get(digests.batch);
    if (pieces) pieces.push(piece);
    else this.batches.set(digests.batch, [piece]);
  }

  /** Sends the pieces putPiece gave of this batch, which the thread then lets go; waits as put does. */
  sendPieces(digests: KeptDigests): Promise<void> | undefined {
    const pieces = this.batches.get(digests.batch) ?? [];
    this.batches.delete(digests.batch);
    if (this.failure) return Promise.reject(this.failure);
    if (this.thread === undefined || digests.batch === 0) return undefined; // nothing was kept
    this.sendStaged(); // in the order given
    this.post({ type: "pack-pieces", id: this.stream, batch: digests.batch, pieces });
    return this.mustWait() ? this.room() : undefined;
  }

  /** Sends the blobs gathered by put in one message, their bytes copied into one transferred buffer. */
  private sendStaged(): void {
    if (this.staged.length === 0) return;
    const data = new ArrayBuffer(this.stagedBytes);
    const bytes = new Uint8Array(data);
    const lengths: number[] = [];
    let off = 0;
    for (const piece of this.staged) {
      bytes.set(piece, off);
      off += piece.length;
      lengths.push(piece.length);
    }
    const [ids, types] = [this.stagedIds, this.stagedTypes];
    this.ahead += this.stagedBytes;
    [this.staged, this.stagedIds, this.stagedTypes, this.stagedBytes] = [[], [], [], 0];
    this.post({ type: "pack-blobs", id: this.stream, data, lengths, ids, types }, [data]);
  }

  /** Whether the caller waits: the thread has much not taken yet, or packs wait for an upload. */
  private mustWait(): boolean {
    return this.ahead > AHEAD_BYTES || this.queued.length > 0 || this.failure !== undefined;
  }

  /** Resolves once the caller may go on (mustWait), or rejects with the writer's failure. */
  private async room(): Promise<void> {
    const release = this.thread?.hold();
    try {
      while (this.mustWait()) {
        if (this.failure) throw this.failure;
        await new Promise<void>((resolve) => this.wake.push(resolve));
      }
    } finally {
      release?.();
    }
  }

  private onMessage(m: FromWorker): void {
    if (m.type === "pack") this.received(m.packId, Buffer.from(m.pack), Buffer.from(m.entries), m.blobs);
    else if (m.type === "pack-taken") this.ahead -= m.bytes;
    else if (m.type === "pack-closed") {
      this.skipped = m.skipped;
      this.closing.shift()?.resolve();
    } else if (m.type === "error") this.fail(new Error(`pack writer on the compressing thread: ${m.message}`));
    this.wakeAll();
  }

  /** Wakes every wait for room (room), to look again. */
  private wakeAll(): void {
    const wake = this.wake;
    this.wake = [];
    for (const resolve of wake) resolve();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const { reject } of this.closing.splice(0)) reject(this.failure);
  }

  /** A sealed pack back from the thread: its blobs join the index, and its upload starts or waits its turn. */
  private received(id: string, pack: Buffer, entryBytes: Buffer, blobs: number): void {
    this.deps.index.addEntries(id, entryBytes);
    this.stats.blobsWritten += blobs;
    this.stats.packs.push(writtenPack(id, pack.length, entryBytes));
    this.stats.storedBytes += pack.length;
    this.queued.push({ id, pack });
    this.startUploads();
  }

  /** Starts queued uploads while fewer than UPLOADS_IN_FLIGHT are under way; a failure fails the writer. */
  private startUploads(): void {
    while (this.uploading.size < UPLOADS_IN_FLIGHT && this.queued.length > 0) {
      const { id, pack } = this.queued.shift() as { id: string; pack: Buffer };
      const settled = (err?: Error) => {
        this.uploading.delete(upload);
        if (err) this.fail(err);
        else this.startUploads();
        this.wakeAll();
      };
      const upload: Promise<void> = this.deps.store.put(packKey(id), pack, { sha256: id }).then(
        () => settled(),
        (err: Error) => settled(err),
      );
      this.uploading.add(upload);
    }
  }

  /** Sends what was gathered and seals the open pack on the thread if it holds `atLeast` bytes; resolves once it has. */
  private async sealOpen(atLeast: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.thread === undefined) return; // nothing was ever given
    this.sendStaged();
    const release = this.thread.hold();
    try {
      await new Promise<void>((resolve, reject) => {
        this.closing.push({ resolve, reject });
        this.post({ type: "pack-close", id: this.stream, atLeast });
      });
    } finally {
      release();
    }
    if (this.failure) throw this.failure;
  }

  /**
   * Seals the open pack and starts its upload when it holds a quarter of the target or more
   * (counting the open frame's plaintext); a smaller pack stays open for what follows. A snapshot
   * writer calls it before its tree, whose blobs then share a pack only with a small remainder of
   * the objects.
   */
  async closeIfLarge(): Promise<void> {
    await this.sealOpen(this.target / 4);
  }

  /** Seals the open pack and starts its upload (finish waits for it); resolves with every pack sealed. */
  async close(): Promise<readonly WrittenPack[]> {
    await this.sealOpen(0);
    return this.stats.packs;
  }

  /** Stores the open pack and waits for every upload; resolves with what was written, or rejects with the first failure. */
  async finish(): Promise<PackWriterStats> {
    try {
      await this.sealOpen(0);
      while (this.queued.length > 0 || this.uploading.size > 0) {
        if (this.failure) throw this.failure;
        await Promise.all([...this.uploading]);
      }
      if (this.failure) throw this.failure;
    } finally {
      this.abort();
    }
    this.stats.blobsReused = this.found + this.skipped;
    return this.stats;
  }

  /** Lets the thread go of this writer's open pack and kept batches; nothing more is written. Safe to call twice. */
  abort(): void {
    if (this.thread === undefined) return;
    this.post({ type: "pack-end", id: this.stream });
    this.thread.unlisten(this.stream);
    this.failure ??= new Error("pack writer: finished or aborted");
    this.thread = undefined;
  }
}
