import { Worker } from "node:worker_threads";
import type { Digest } from "./digest-stream.js";

/** Chunks travel to the compressing thread through a ring of shared slots: no allocation per chunk. */
const SLOT_BYTES = 256 * 1024;
const SLOTS = 8;

/**
 * The compressing thread: gzip → sha256 and size → file. zlib on the main thread's event loop
 * advances one thread-pool job per turn of that loop, so while the dump serializes a page it
 * compresses little and the dump then waits for it (measured: 0.6–0.9 s per 100,000 objects). A
 * worker's loop does nothing else. It runs from source text, so this function may use only
 * `require`. It reads chunks straight from the shared slots and frees each once zlib has taken it.
 */
function gzipWorker(require: NodeJS.Require): void {
  const { parentPort, workerData } = require("node:worker_threads") as typeof import("node:worker_threads");
  const { createGzip } = require("node:zlib") as typeof import("node:zlib");
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const { createWriteStream } = require("node:fs") as typeof import("node:fs");
  const { mkdir } = require("node:fs/promises") as typeof import("node:fs/promises");
  const { dirname } = require("node:path") as typeof import("node:path");
  const { Transform } = require("node:stream") as typeof import("node:stream");
  const { pipeline } = require("node:stream/promises") as typeof import("node:stream/promises");
  const port = parentPort as import("node:worker_threads").MessagePort;
  const { file, level, shared, slotBytes } = workerData as { file: string; level: number; shared: SharedArrayBuffer; slotBytes: number };

  const gzip = createGzip({ level, chunkSize: 128 * 1024 });
  const hash = createHash("sha256");
  let bytes = 0;
  const digest = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  mkdir(dirname(file), { recursive: true })
    .then(() => pipeline(gzip, digest, createWriteStream(file)))
    .then(
      () => port.postMessage({ type: "done", bytes, sha256: hash.digest("hex") }),
      (err: NodeJS.ErrnoException) => port.postMessage({ type: "error", message: err.message, code: err.code }),
    );
  port.on("message", (m: { type: "chunks"; chunks: { slot: number; length: number }[] } | { type: "end" }) => {
    if (m.type === "end") gzip.end();
    else for (const { slot, length } of m.chunks) gzip.write(Buffer.from(shared, slot * slotBytes, length), () => port.postMessage({ type: "free", slot }));
  });
}

const WORKER_SOURCE = `(${gzipWorker.toString()})(require);`;

type FromWorker =
  | { type: "free"; slot: number }
  | { type: "done"; bytes: number; sha256: string }
  | { type: "error"; message: string; code?: string };

/**
 * Gzips what is written into a file (its directory is created) on a worker thread; `end` gives
 * the file's size and sha256. Holds at most SLOTS × SLOT_BYTES plus what `write` had to keep while
 * every slot was busy (it then returns false: await `drained()`).
 */
export class GzipFileWriter {
  private readonly worker: Worker;
  private readonly shared = new SharedArrayBuffer(SLOTS * SLOT_BYTES);
  private readonly free: number[] = Array.from({ length: SLOTS }, (_, i) => i);
  /** Bytes written while every slot was busy, in order. */
  private readonly overflow: Buffer[] = [];
  private readonly done: Promise<Digest>;
  private ended = false;
  /** Slots filled since the last message to the worker. */
  private filled: { slot: number; length: number }[] = [];
  private endSent = false;
  private failure: unknown;
  private waiter: { resolve: () => void; reject: (err: unknown) => void } | undefined;

  constructor({ file, level }: { file: string; level: number }) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, level, shared: this.shared, slotBytes: SLOT_BYTES } });
    this.done = new Promise<Digest>((resolve, reject) => {
      this.worker.on("message", (m: FromWorker) => {
        if (m.type === "free") this.release(m.slot);
        else if (m.type === "done") resolve({ bytes: m.bytes, sha256: m.sha256 });
        else reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
      });
      this.worker.on("error", reject);
      this.worker.on("exit", (code) => reject(new Error(`the gzip thread for ${file} stopped (exit code ${code})`)));
    });
    this.done.then(
      () => void this.worker.terminate(),
      (err: unknown) => {
        this.failure ??= err;
        this.waiter?.reject(err); // a writer waiting for zlib would otherwise wait forever
        this.waiter = undefined;
        void this.worker.terminate();
      },
    );
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
    await this.worker.terminate();
    await this.done.catch(() => {});
  }

  /**
   * Fills a slot and announces it with the others filled in this turn of the event loop: each
   * message wakes the worker, which on a busy machine costs the sender 0.2–0.3 ms.
   */
  private send(piece: Uint8Array): void {
    const slot = this.free.pop() as number;
    new Uint8Array(this.shared, slot * SLOT_BYTES, piece.length).set(piece);
    this.filled.push({ slot, length: piece.length });
    if (this.filled.length === 1) setImmediate(() => this.announce());
  }

  private announce(): void {
    if (this.filled.length === 0 || this.failure) return;
    this.worker.postMessage({ type: "chunks", chunks: this.filled });
    this.filled = [];
    if (this.ended && this.overflow.length === 0) this.sendEnd();
  }

  private sendEnd(): void {
    if (this.endSent || this.filled.length > 0) return; // announce() sends it after the last chunks
    this.endSent = true;
    this.worker.postMessage({ type: "end" });
  }

  private release(slot: number): void {
    this.free.push(slot);
    const next = this.overflow.shift();
    if (next) this.send(next);
    if (this.overflow.length > 0) return;
    if (this.ended) this.sendEnd();
    this.waiter?.resolve();
    this.waiter = undefined;
  }
}
