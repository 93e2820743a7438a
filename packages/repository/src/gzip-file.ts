import { Worker } from "node:worker_threads";
import type { Digest } from "./digest-stream.js";

/** Chunks travel to the compressing thread through a ring of shared slots: no allocation per chunk. */
const SLOT_BYTES = 256 * 1024;
/** Slots of a writer unless it asks for more (2 MiB). */
const DEFAULT_GZIP_SLOTS = 8;
/**
 * How much nicer than the rest of the process the compressing thread runs (Linux, where a
 * thread's priority is its own). The thread that lists and serializes decides how long a dump
 * takes; the compressing thread only has to keep up, and its slots let it lag behind for a while
 * and catch up when the main thread waits for the API server. On two cores shared with the API
 * server, a 20,000-object dump took 4% less time so, with the same CPU (docs/benchmarks.md). In
 * a container the priority weighs only against the container's own threads.
 */
export const GZIP_THREAD_NICENESS = 10;

/**
 * The compressing thread: gzip → sha256 and size → file, for every file being written at once (a
 * snapshot's part and its index), and the sha256 of the objects a dump archives (sha256Each).
 * zlib on the main thread's event loop advances one thread-pool job per turn of that loop, so
 * while the dump serializes a page it compresses little and the dump then waits for it (measured: 0.6–0.9 s per 100,000 objects). A worker's loop does nothing
 * else. One thread serves them all, started once per process: starting a thread costs 20–30 ms of
 * CPU. It runs from source text, so this function may use only `require`.
 *
 * Each shared slot is compressed on this thread as one gzip member (RFC 1952: a gzip file is a
 * series of members; gunzip, tar and every zlib binding read them as one stream). That takes no
 * thread-pool hop and no stream machinery per chunk: 2–4% less CPU per dump than a zlib stream,
 * for about 1% more bytes (docs/benchmarks.md). A member is written with a blocking write, which
 * blocks only this thread (through a write stream every member was a thread-pool job and a
 * wake-up of this loop). A slot is freed as soon as its member is written.
 */
function gzipWorker(require: NodeJS.Require, niceness: number): void {
  const { parentPort } = require("node:worker_threads") as typeof import("node:worker_threads");
  const { gzipSync } = require("node:zlib") as typeof import("node:zlib");
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const { closeSync, mkdirSync, openSync, readlinkSync, writeSync } = require("node:fs") as typeof import("node:fs");
  const { getPriority, setPriority } = require("node:os") as typeof import("node:os");
  const { dirname } = require("node:path") as typeof import("node:path");
  const port = parentPort as import("node:worker_threads").MessagePort;
  try {
    // Linux: /proc/thread-self is task/<tid>, and setpriority on a thread id sets that thread's.
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + niceness));
  } catch {
    // another OS, or not allowed: the thread runs at the process's priority
  }
  interface OpenFile {
    level: number;
    shared: SharedArrayBuffer;
    slotBytes: number;
    hash: import("node:crypto").Hash;
    bytes: number;
    fd: number;
  }
  const files = new Map<number, OpenFile>();

  const closeQuietly = (fd: number): void => {
    if (fd < 0) return;
    try {
      closeSync(fd);
    } catch {
      // failing already: the first error is the one reported
    }
  };
  const fail = (id: number, err: NodeJS.ErrnoException): void => {
    const f = files.get(id);
    files.delete(id);
    if (f) closeQuietly(f.fd);
    port.postMessage({ type: "error", id, message: err.message, code: err.code });
  };
  const write = (f: OpenFile, data: Uint8Array): void => {
    const member = gzipSync(data, { level: f.level });
    f.hash.update(member);
    f.bytes += member.length;
    for (let off = 0; off < member.length; ) off += writeSync(f.fd, member, off);
  };

  function open(id: number, file: string, level: number, shared: SharedArrayBuffer, slotBytes: number): void {
    try {
      mkdirSync(dirname(file), { recursive: true });
      files.set(id, { level, shared, slotBytes, hash: createHash("sha256"), bytes: 0, fd: openSync(file, "w") });
    } catch (err) {
      fail(id, err as NodeJS.ErrnoException);
    }
  }

  /** The sha256 of each consecutive piece of `data`, in hex. */
  const digest = (id: number, data: ArrayBuffer, lengths: number[]): void => {
    const sha256: string[] = [];
    let off = 0;
    for (const length of lengths) {
      sha256.push(
        createHash("sha256")
          .update(new Uint8Array(data, off, length))
          .digest("hex"),
      );
      off += length;
    }
    port.postMessage({ type: "digests", id, sha256 });
  };

  port.on("message", (m: ToWorker) => {
    if (m.type === "open") return open(m.id, m.file, m.level, m.shared, m.slotBytes);
    if (m.type === "digest") {
      try {
        return digest(m.id, m.data, m.lengths);
      } catch (err) {
        return void port.postMessage({ type: "error", id: m.id, message: (err as Error).message });
      }
    }
    const f = files.get(m.id);
    if (!f) return; // finished or failed already
    if (m.type === "abort") return fail(m.id, new Error("writer aborted"));
    try {
      if (m.type === "end") {
        if (f.bytes === 0) write(f, new Uint8Array(0)); // an empty file is not gzip; an empty member is
        const fd = f.fd;
        f.fd = -1; // closed even when close fails: never closed twice
        closeSync(fd);
        files.delete(m.id);
        port.postMessage({ type: "done", id: m.id, bytes: f.bytes, sha256: f.hash.digest("hex") });
        return;
      }
      for (const { slot, length } of m.chunks) write(f, new Uint8Array(f.shared, slot * f.slotBytes, length));
      port.postMessage({ type: "free", id: m.id, slots: m.chunks.map((c) => c.slot) });
    } catch (err) {
      fail(m.id, err as NodeJS.ErrnoException);
    }
  });
}

const WORKER_SOURCE = `(${gzipWorker.toString()})(require, ${GZIP_THREAD_NICENESS});`;

type ToWorker =
  | { type: "open"; id: number; file: string; level: number; shared: SharedArrayBuffer; slotBytes: number }
  | { type: "chunks"; id: number; chunks: { slot: number; length: number }[] }
  | { type: "end"; id: number }
  | { type: "abort"; id: number }
  | { type: "digest"; id: number; data: ArrayBuffer; lengths: number[] };

type FromWorker =
  | { type: "free"; id: number; slots: number[] }
  | { type: "done"; id: number; bytes: number; sha256: string }
  | { type: "error"; id: number; message: string; code?: string }
  | { type: "digests"; id: number; sha256: string[] };

/**
 * The process's compressing thread, shared by the files being written; started on first use. It
 * keeps the process alive only while a file is open or digests are awaited (both in `files`). If
 * it dies, the files open on it and the digests awaited fail, and the next use starts a new thread.
 */
class GzipThread {
  private static current: GzipThread | undefined;
  static get(): GzipThread {
    GzipThread.current ??= new GzipThread();
    return GzipThread.current;
  }
  static async stop(): Promise<void> {
    const thread = GzipThread.current;
    GzipThread.current = undefined;
    await thread?.worker.terminate();
  }

  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly files = new Map<number, (m: FromWorker) => void>();
  private nextId = 1;

  private constructor() {
    this.worker.unref();
    this.worker.on("message", (m: FromWorker) => this.files.get(m.id)?.(m));
    this.worker.on("error", (err) => this.fail(err));
    this.worker.on("exit", (code) => this.fail(new Error(`the gzip thread stopped (exit code ${code})`)));
  }

  /** Opens a file on the thread; `onMessage` gets what the thread says about it until it is done. */
  open(file: string, level: number, shared: SharedArrayBuffer, onMessage: (m: FromWorker) => void): number {
    const id = this.register(onMessage);
    this.post({ type: "open", id, file, level, shared, slotBytes: SLOT_BYTES });
    return id;
  }

  /** A new id whose messages go to `onMessage`; the thread keeps the process alive until `close(id)`. */
  private register(onMessage: (m: FromWorker) => void): number {
    const id = this.nextId++;
    this.files.set(id, onMessage);
    if (this.files.size === 1) this.worker.ref();
    return id;
  }

  /** The sha256 of each piece, computed on the thread from one copy of them all. */
  digest(pieces: readonly Uint8Array[]): Promise<string[]> {
    const lengths = pieces.map((p) => p.length);
    const data = new ArrayBuffer(lengths.reduce((sum, n) => sum + n, 0));
    const bytes = new Uint8Array(data);
    let off = 0;
    for (const p of pieces) {
      bytes.set(p, off);
      off += p.length;
    }
    return new Promise<string[]>((resolve, reject) => {
      const id = this.register((m) => {
        this.close(id);
        if (m.type === "digests") resolve(m.sha256);
        else if (m.type === "error") reject(new Error(`sha256 on the gzip thread: ${m.message}`));
      });
      try {
        this.worker.postMessage({ type: "digest", id, data, lengths } satisfies ToWorker, [data]);
      } catch (err) {
        this.close(id);
        reject(err);
      }
    });
  }

  post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  /** The file is done (or failed): nothing more comes for it. */
  close(id: number): void {
    if (this.files.delete(id) && this.files.size === 0) this.worker.unref();
  }

  private fail(err: Error): void {
    if (GzipThread.current === this) GzipThread.current = undefined;
    const open = [...this.files];
    this.files.clear();
    for (const [id, onMessage] of open) onMessage({ type: "error", id, message: err.message });
  }
}

/** Stops the shared compressing thread; files open on it fail. The next file starts a new one. */
export function stopGzipThread(): Promise<void> {
  return GzipThread.stop();
}

/**
 * The sha256 of each piece, in hex, computed on the compressing thread: off the thread that
 * serializes, where 20,000 digests took about 4% of a dump's time (docs/benchmarks.md). The
 * pieces are copied once, so the caller may reuse them at once.
 */
export function sha256Each(pieces: readonly Uint8Array[]): Promise<string[]> {
  if (pieces.length === 0) return Promise.resolve([]);
  return GzipThread.get().digest(pieces);
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
    this.shared = new SharedArrayBuffer(slots * SLOT_BYTES);
    this.free = Array.from({ length: slots }, (_, i) => i);
    let settle: { resolve: (d: Digest) => void; reject: (err: unknown) => void } | undefined;
    this.done = new Promise<Digest>((resolve, reject) => {
      settle = { resolve, reject };
    });
    this.id = this.thread.open(file, level, this.shared, (m) => {
      if (m.type === "free") return this.release(m.slots);
      this.thread.close(this.id);
      if (m.type === "done") settle?.resolve({ bytes: m.bytes, sha256: m.sha256 });
      else if (m.type === "error") settle?.reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
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
