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
 * The compiled file of a worker (`file`: its path in the package's dist, e.g.
 * "archive/gzip-worker.js") that a module one directory below src/ starts (`moduleUrl`: its
 * import.meta.url): beside the module in dist, or beside the chunk in the CLI's bundle, which puts
 * the workers there. Run from source (this package's own tests), the module has no compiled
 * neighbour: the worker then comes from the package's dist, which the build makes before the
 * tests run.
 */
export function workerBeside(moduleUrl: string, file: string): URL {
  if (moduleUrl.endsWith(".ts")) return new URL(`../../dist/${file}`, moduleUrl);
  return new URL(`./${file.slice(file.lastIndexOf("/") + 1)}`, moduleUrl);
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
 * `files`), or a format-2 pack writer awaits the thread (`hold`): a writer's stream (`listen`)
 * alone does not. If it dies, the files open on it, the digests awaited and the pack writers'
 * streams fail, and the next use starts a new thread.
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

  private readonly worker = startWorker(workerBeside(import.meta.url, "archive/gzip-worker.js"), {
    workerData: { niceness: GZIP_THREAD_NICENESS } satisfies GzipWorkerData,
  });
  private readonly files = new Map<number, (m: FromWorker) => void>();
  /** Ids whose messages are routed without keeping the process alive (listen). */
  private readonly listeners = new Map<number, (m: FromWorker) => void>();
  /** Waits that keep the process alive (hold). */
  private holds = 0;
  private nextId = 1;

  private constructor() {
    this.worker.on("message", (m: FromWorker) => (this.files.get(m.id) ?? this.listeners.get(m.id))?.(m));
    this.worker.on("error", (err) => this.fail(err));
    this.worker.on("exit", (code) => this.fail(new Error(`the gzip thread stopped (exit code ${code})`)));
    this.worker.unref(); // after the listeners: a "message" listener added to a worker refs it again
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
    this.updateRef();
    return id;
  }

  /**
   * A new id whose messages go to `onMessage` until `unlisten(id)`, without keeping the process
   * alive (a pack writer's stream, which a failed backup may leave): `hold` while a reply is awaited.
   */
  listen(onMessage: (m: FromWorker) => void): number {
    const id = this.nextId++;
    this.listeners.set(id, onMessage);
    return id;
  }

  unlisten(id: number): void {
    this.listeners.delete(id);
  }

  /** Keeps the process alive until the function returned is called (once). */
  hold(): () => void {
    this.holds += 1;
    this.updateRef();
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.holds -= 1;
      this.updateRef();
    };
  }

  /** The thread keeps the process alive while a file is open, digests are awaited, or a reply is held for. */
  private updateRef(): void {
    if (this.files.size > 0 || this.holds > 0) this.worker.ref();
    else this.worker.unref();
  }

  /**
   * The sha256 of each piece (and its HMAC under `idKey`), computed on the thread from one copy of
   * them all. `keepFor`: a pack stream on this thread (format2/pack-streams.ts) keeps that copy, as
   * batch `batch` of the result, until it takes pieces of it or ends.
   */
  digest(pieces: readonly Uint8Array[], idKey?: Uint8Array, keepFor?: number): Promise<PieceDigests> {
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
        if (m.type === "digests") resolve({ sha256: m.sha256, ids: m.ids, batch: id });
        else if (m.type === "error") reject(new Error(`sha256 on the gzip thread: ${m.message}`));
      });
      try {
        this.worker.postMessage({ type: "digest", id, data, lengths, idKey, keepFor } satisfies ToWorker, [data]);
      } catch (err) {
        this.close(id);
        reject(err);
      }
    });
  }

  post(m: ToWorker, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(m, transfer);
  }

  /** The file is done (or failed): nothing more comes for it. */
  close(id: number): void {
    if (this.files.delete(id)) this.updateRef();
  }

  private fail(err: Error): void {
    if (GzipThread.current === this) GzipThread.current = undefined;
    const open = [...this.files, ...this.listeners];
    this.files.clear();
    this.listeners.clear();
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
  /** The batch's number on the thread (GzipThread.digest's `keepFor`). */
  batch?: number;
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
