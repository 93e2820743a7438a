import { Worker, type WorkerOptions } from "node:worker_threads";
import { type FromWorker, type GzipWorkerData, SLOT_BYTES, type ToWorker } from "./gzip-messages.js";

/**
 * How much nicer than the rest of the process the compressing thread runs (Linux, where a
 * thread's priority is its own). The thread that lists and serializes decides how long a dump
 * takes; the compressing thread only has to keep up, and its slots let it lag behind for a while
 * and catch up when the main thread waits for the API server (docs/benchmarks.md, "ABBA order and
 * the pooled rate"). In a container the priority weighs only against the container's own threads.
 */
export const GZIP_THREAD_NICENESS = 10;

/**
 * The worker's compiled file, beside this module in dist. Run from source (this package's own
 * tests), this module has no compiled neighbour: the worker then comes from the package's dist,
 * which the build makes before the tests run.
 */
function workerUrl(): URL {
  if (import.meta.url.endsWith(".ts")) return new URL("../../dist/archive/gzip-worker.js", import.meta.url);
  return new URL("./gzip-worker.js", import.meta.url);
}

/**
 * A worker thread started with the process's flags (a CPU profile, an inspector). Given no flags,
 * a worker takes the process's as they are, which is what it needs, unless the process ran a
 * script given as text with `--input-type`: a worker started from a file refuses that flag. Then
 * the flags go without it; but given explicitly, V8's and the process's own flags (e.g.
 * `--max-old-space-size`, which hold for the whole process already) make a worker refuse to
 * start, so if it refuses, it starts with none.
 */
export function startWorker(url: URL, options: WorkerOptions = {}): Worker {
  const execArgv = process.execArgv;
  const textFlag = (arg: string) => arg === "--input-type" || arg.startsWith("--input-type=");
  if (!execArgv.some(textFlag)) return new Worker(url, options);
  const args: string[] = [];
  for (let i = 0; i < execArgv.length; i += 1) {
    const arg = execArgv[i] as string;
    if (arg === "--input-type") {
      i += 1; // its value
    } else if (!textFlag(arg)) {
      args.push(arg);
    }
  }
  try {
    return new Worker(url, { ...options, execArgv: args });
  } catch (err) {
    if ((err as { code?: unknown }).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw err;
    return new Worker(url, { ...options, execArgv: [] });
  }
}

/**
 * The process's compressing thread (gzip-worker.ts), shared by the files being written; started on
 * first use, once per process, as a thread costs CPU to start (docs/benchmarks.md, "What moved
 * it"). It keeps the process alive only while a file is open or digests are awaited (both in
 * `files`). If it dies, the files open on it and the digests awaited fail, and the next use starts
 * a new thread.
 */
export class GzipThread {
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

  private readonly worker = startWorker(workerUrl(), {
    workerData: { niceness: GZIP_THREAD_NICENESS } satisfies GzipWorkerData,
  });
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

  /** The sha256 of each piece (and its HMAC under `idKey`), computed on the thread from one copy of them all. */
  digest(pieces: readonly Uint8Array[], idKey?: Uint8Array): Promise<PieceDigests> {
    const lengths = pieces.map((p) => p.length);
    const data = new ArrayBuffer(lengths.reduce((sum, n) => sum + n, 0));
    const bytes = new Uint8Array(data);
    let off = 0;
    for (const p of pieces) {
      bytes.set(p, off);
      off += p.length;
    }
    return new Promise<PieceDigests>((resolve, reject) => {
      const id = this.register((m) => {
        this.close(id);
        if (m.type === "digests") resolve({ sha256: m.sha256, ids: m.ids });
        else if (m.type === "error") reject(new Error(`sha256 on the gzip thread: ${m.message}`));
      });
      try {
        this.worker.postMessage({ type: "digest", id, data, lengths, idKey } satisfies ToWorker, [data]);
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

/** Each piece's sha256, and with an id key its HMAC-SHA256 under it, in hex. */
export interface PieceDigests {
  sha256: string[];
  /** With an id key only. */
  ids?: string[];
}

/**
 * The sha256 of each piece, in hex, computed on the compressing thread: off the thread that
 * serializes, which decides how long a dump takes (docs/benchmarks.md, "ABBA order and the pooled
 * rate"). The pieces are copied once, so the caller may reuse them at once.
 */
export async function sha256Each(pieces: readonly Uint8Array[]): Promise<string[]> {
  return (await digestEach(pieces)).sha256;
}

/**
 * sha256Each, and with `idKey` each piece's HMAC-SHA256 under it as well (an encrypted format-2
 * repository's blob ids, docs/format.md): both on the compressing thread, from one copy.
 */
export function digestEach(pieces: readonly Uint8Array[], idKey?: Uint8Array): Promise<PieceDigests> {
  if (pieces.length === 0) return Promise.resolve({ sha256: [], ids: idKey ? [] : undefined });
  return GzipThread.get().digest(pieces, idKey);
}
