import { SLOT_BYTES } from "./gzip-messages.js";
import { GzipThread } from "./gzip-thread.js";
import type { Digest } from "./types.js";

/** Slots of a writer unless it asks for more (2 MiB). */
const DEFAULT_GZIP_SLOTS = 8;

/**
 * Slot buffers of finished files, by size, for the next files of this process. A
 * SharedArrayBuffer is freed only once both threads' garbage collectors let go of it, and the
 * compressing thread allocates so little that its collector seldom runs: with a new buffer for
 * every file, a dump worker's RSS grew by the 10 MiB of a part's and an index's slots with every
 * backup (docs/reliability.md, "Soak"). A buffer comes back here once the thread has said the
 * file is done or failed, after which it touches the buffer no more; so there are never more
 * buffers than files open at once.
 */
const spareBuffers = new Map<number, SharedArrayBuffer[]>();

const takeBuffer = (bytes: number): SharedArrayBuffer => spareBuffers.get(bytes)?.pop() ?? new SharedArrayBuffer(bytes);

function giveBack(buffer: SharedArrayBuffer): void {
  const spare = spareBuffers.get(buffer.byteLength) ?? [];
  spare.push(buffer);
  spareBuffers.set(buffer.byteLength, spare);
}

/**
 * Gzips what is written into a file (its directory is created) on the compressing thread; `end`
 * gives the file's size and sha256. Holds at most `slots` × 256 KiB plus what `write` had to keep
 * while every slot was busy (it then returns false: await `drained()`). More slots let the writer
 * run further ahead of the compressing thread when that thread gets less CPU for a while.
 */
export class GzipFileWriter {
  private readonly thread = GzipThread.get();
  private readonly id: number;
  private readonly shared: SharedArrayBuffer;
  private readonly free: number[];
  /** Bytes written while every slot was busy, in order. */
  private readonly overflow: Buffer[] = [];
  private readonly done: Promise<Digest>;
  private ended = false;
  /** Slots filled since the last message to the thread. */
  private filled: { slot: number; length: number }[] = [];
  private endSent = false;
  private failure: unknown;
  private waiter: { resolve: () => void; reject: (err: unknown) => void } | undefined;

  constructor({ file, level, slots = DEFAULT_GZIP_SLOTS }: { file: string; level: number; slots?: number }) {
    this.shared = takeBuffer(slots * SLOT_BYTES);
    this.free = Array.from({ length: slots }, (_, i) => i);
    let settle: { resolve: (d: Digest) => void; reject: (err: unknown) => void } | undefined;
    this.done = new Promise<Digest>((resolve, reject) => {
      settle = { resolve, reject };
    });
    this.id = this.thread.open(file, level, this.shared, (m) => {
      if (m.type === "free") return this.release(m.slots);
      this.thread.close(this.id);
      // Nothing is written into the buffer after this: write() throws, and no slot is freed.
      if (m.type === "error") this.failure ??= Object.assign(new Error(m.message), m.code ? { code: m.code } : {});
      giveBack(this.shared);
      if (m.type === "done") settle?.resolve({ bytes: m.bytes, sha256: m.sha256 });
      else if (m.type === "error") settle?.reject(this.failure);
    });
    this.done.catch((err: unknown) => {
      this.failure ??= err;
      this.waiter?.reject(err); // a writer waiting for zlib would otherwise wait forever
      this.waiter = undefined;
    });
  }

  /** Copies `data` on to the compressing thread; false means: await `drained()` before writing more. Throws once the file failed. */
  write(data: Uint8Array): boolean {
    if (this.failure) throw this.failure;
    if (this.ended) throw new Error("GzipFileWriter.write after end");
    for (let off = 0; off < data.length; off += SLOT_BYTES) {
      const piece = data.subarray(off, off + SLOT_BYTES);
      if (this.overflow.length === 0 && this.free.length > 0) this.send(piece);
      else this.overflow.push(Buffer.from(piece)); // a copy: the caller may reuse `data`
    }
    return this.overflow.length === 0;
  }

  /** Resolves when nothing waits for a slot any more, rejects when the file failed. */
  drained(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.overflow.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Ends the stream once everything written is compressed; resolves once the file is complete. */
  end(): Promise<Digest> {
    if (!this.failure && !this.ended) {
      this.ended = true;
      if (this.overflow.length === 0) this.sendEnd();
    }
    return this.done;
  }

  /** Stops writing; the caller removes the file. */
  async abort(): Promise<void> {
    this.failure ??= new Error("writer aborted");
    this.thread.post({ type: "abort", id: this.id });
    await this.done.catch(() => {});
  }

  /**
   * Fills a slot and announces it with the others filled in this turn of the event loop: each
   * message wakes the worker, which costs the sender time on a busy machine (docs/benchmarks.md,
   * "What moved it").
   */
  private send(piece: Uint8Array): void {
    const slot = this.free.pop() as number;
    new Uint8Array(this.shared, slot * SLOT_BYTES, piece.length).set(piece);
    this.filled.push({ slot, length: piece.length });
    if (this.filled.length === 1) setImmediate(() => this.announce());
  }

  private announce(): void {
    if (this.filled.length === 0 || this.failure) return;
    this.thread.post({ type: "chunks", id: this.id, chunks: this.filled });
    this.filled = [];
    if (this.ended && this.overflow.length === 0) this.sendEnd();
  }

  private sendEnd(): void {
    if (this.endSent || this.filled.length > 0) return; // announce() sends it after the last chunks
    this.endSent = true;
    this.thread.post({ type: "end", id: this.id });
  }

  private release(slots: readonly number[]): void {
    this.free.push(...slots);
    while (this.overflow.length > 0 && this.free.length > 0) this.send(this.overflow.shift() as Buffer);
    if (this.overflow.length > 0) return;
    if (this.ended) this.sendEnd();
    this.waiter?.resolve();
    this.waiter = undefined;
  }
}
