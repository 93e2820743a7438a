import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { workerBeside } from "../archive/gzip-thread.js";
import { UnsafePathError } from "../errors.js";
import { threadOnFirstUse } from "../worker-requests.js";
import type { PathAndData, PathsAndBlobs } from "./types.js";
import { STOP_NONE, type ToWriter, type WriteBatch, type WriteFailure, type WriteReply } from "./write-messages.js";

export interface DownloadResult {
  objects: number;
  /** YAML bytes written. */
  bytes: number;
}

/**
 * Files a batch sent to the writing thread holds at most; a batch is sent sooner when the thread
 * has nothing to write, and when its bytes reach BATCH_BYTES. @defaultValue 256
 */
export const BATCH_FILES = 256;

/** Bytes a batch holds at most (one file larger than that goes alone). @defaultValue 1 MiB */
export const BATCH_BYTES = 1024 * 1024;

/** Batches sent and not yet written, at most, while the next one fills. @defaultValue 4 */
export const BATCHES_AHEAD = 4;

/**
 * Writing threads a download's batches are shared between (each to the one with fewer out):
 * creating and filling files is the kernel's work, and one thread doing it bounds a download of
 * many small files (docs/benchmarks.md, "Session 2026-12-06 (twelfth)"). @defaultValue 2
 */
export const WRITING_THREADS = 2;

/** The error a batch's failure stands for, as the write on this thread would have thrown it. */
function errorOf(failure: WriteFailure): Error {
  if (failure.kind === "unsafe") return new UnsafePathError(failure.path, failure.reason);
  const { message, code, errno, syscall, path } = failure;
  return Object.assign(new Error(message), { code, errno, syscall, path });
}

/**
 * The process's writing threads (write-worker.ts), each started on first use and shared by the
 * downloads at once; a thread keeps the process alive only while batches are awaited. If one
 * dies, those fail, and the next download starts a new thread in its place.
 */
const writers = Array.from({ length: WRITING_THREADS }, () =>
  threadOnFirstUse<WriteReply>(
    () => workerBeside(import.meta.url, "snapshot/write-worker.js"),
    "writing thread",
    (id, reason) => ({
      id,
      written: 0,
      failure: { kind: "system", message: `writing thread: ${reason}` },
    }),
  ),
);

/** The last download's number (each download's batches name it to the writing threads). */
let lastTree = 0;

/** A batch as it goes to the writing thread: file i is `paths[i]`, its bytes data[starts[i], ends[i]). */
interface Outgoing {
  paths: string[];
  data: ArrayBuffer;
  starts: Uint32Array;
  ends: Uint32Array;
}

/** `objects` as one batch, their bytes copied one after another into a new buffer. */
function copied(objects: readonly PathAndData[]): Outgoing {
  const starts = new Uint32Array(objects.length);
  const ends = new Uint32Array(objects.length);
  let total = 0;
  for (const [i, { data }] of objects.entries()) {
    starts[i] = total;
    total += data.length;
    ends[i] = total;
  }
  const data = new Uint8Array(total);
  for (const [i, o] of objects.entries()) data.set(o.data, starts[i]);
  return { paths: objects.map((o) => o.path), data: data.buffer, starts, ends };
}

/**
 * `batch` as it is, its buffer taken (not copied): when it is `owned` and every blob lies in that
 * one buffer (undefined otherwise, and the blobs are copied).
 */
function taken({ paths, blobs, owned }: PathsAndBlobs): Outgoing | undefined {
  const buffer = blobs[0]?.buffer;
  if (!owned || !(buffer instanceof ArrayBuffer) || blobs.length !== paths.length) return undefined;
  const starts = new Uint32Array(blobs.length);
  const ends = new Uint32Array(blobs.length);
  for (const [i, blob] of blobs.entries()) {
    if (blob.buffer !== buffer) return undefined;
    starts[i] = blob.byteOffset;
    ends[i] = blob.byteOffset + blob.length;
  }
  return { paths, data: buffer, starts, ends };
}

/**
 * Writes each object to `<toDir>/<path>` on the writing threads (write-files.ts), in batches: the
 * objects given one by one are copied into batches (BATCH_FILES, BATCH_BYTES); a batch of blobs
 * that lie in one buffer of their own (an `owned` PathsAndBlobs: a format-2 read's slice) goes as
 * it is, its buffer moved to the thread, not copied. Each batch goes to the thread with fewer out
 * (WRITING_THREADS), up to BATCHES_AHEAD in all while the next fills; when no thread has anything
 * to write, what came meanwhile goes at once (at the end of the event loop's turn), so the first
 * files do not wait for a batch to fill.
 *
 * It refuses a path that breaks the path rule (safe-path.ts), and a directory or file below
 * `toDir` that is a symlink, and a file there that is a hard link or not a regular file
 * (UnsafePathError): nothing is written outside `toDir`. The objects' paths come from
 * readSnapshotObjects, which refuses links in the archive, so no link is ever created. On an
 * error no further object is read, every file of the batches before the failed file's is
 * written, and no file of a later batch is started once the failure is known (the threads share
 * a stop flag; one already begun on the other thread ends); the batches sent end before it is
 * thrown. The objects read before a failure of `objects` are written. `written` is called with
 * each file's size once it is written.
 */
export async function writeTree(
  objects: AsyncIterable<PathAndData | PathsAndBlobs>,
  toDir: string,
  written: (bytes: number) => void = () => {},
): Promise<DownloadResult> {
  const root = resolve(toDir);
  await mkdir(root, { recursive: true });
  const threads = writers.map((writer) => writer());
  const out = threads.map(() => 0); // batches out on each thread
  const tree = ++lastTree;
  const stop = new Int32Array(new SharedArrayBuffer(4));
  stop[0] = STOP_NONE;
  let seq = 0;
  const running = new Set<Promise<void>>();
  let failure: { err: Error } | undefined;
  let count = 0;
  let bytes = 0;
  let pending: PathAndData[] = [];
  let pendingBytes = 0;
  let stopped = false;
  const send = (outgoing: Outgoing) => {
    const { paths, data, starts, ends } = outgoing;
    const t = out.indexOf(Math.min(...out)); // the thread with fewer batches out
    const thread = threads[t] as (typeof threads)[number];
    out[t] = (out[t] as number) + 1;
    const batch: WriteBatch = {
      type: "write",
      id: thread.newId(),
      tree,
      seq: seq++,
      stop,
      root,
      paths,
      data,
      starts,
      ends,
    };
    const sizes = Array.from(ends, (end, i) => end - (starts[i] as number));
    const writing: Promise<void> = thread
      .request(batch, [data, starts.buffer as ArrayBuffer, ends.buffer as ArrayBuffer])
      .then((reply) => {
        running.delete(writing);
        out[t] = (out[t] as number) - 1;
        try {
          for (const size of sizes.slice(0, reply.written)) {
            count += 1;
            bytes += size;
            written(size);
          }
        } catch (err) {
          failure ??= { err: err as Error };
        }
        if (reply.failure) failure ??= { err: errorOf(reply.failure) };
        // no thread has a batch out and files wait: they go now, not once the batch is full
        if (running.size === 0 && pending.length > 0 && !failure && !stopped) sendPending();
      });
    running.add(writing);
  };
  const sendPending = () => {
    const objects = pending;
    pending = [];
    pendingBytes = 0;
    send(copied(objects));
  };
  /** Till fewer than BATCHES_AHEAD batches are out; false once one failed. */
  const room = async () => {
    while (running.size >= BATCHES_AHEAD && !failure) await Promise.race(running);
    return !failure;
  };
  let soon: NodeJS.Immediate | undefined;
  const add = async (object: PathAndData) => {
    pending.push(object);
    pendingBytes += object.data.length;
    if (pending.length >= BATCH_FILES || pendingBytes >= BATCH_BYTES) {
      if ((await room()) && pending.length > 0) sendPending(); // unless an answer sent them meanwhile
    } else if (running.size === 0)
      // no thread has a batch out: what comes in this turn of the event loop (a chunk's objects)
      // goes together, once it is over, rather than a batch an object
      soon ??= setImmediate(() => {
        soon = undefined;
        if (running.size === 0 && pending.length > 0 && !failure && !stopped) sendPending();
      });
  };
  try {
    for await (const item of objects) {
      const whole = "paths" in item ? taken(item) : undefined;
      if (whole) {
        if (pending.length > 0 && (await room())) sendPending(); // in the order given
        if (await room()) send(whole);
      } else if ("paths" in item) {
        for (const [i, path] of item.paths.entries()) if (!failure) await add({ path, data: item.blobs[i] as Buffer });
      } else await add(item);
      if (failure) break;
    }
  } finally {
    clearImmediate(soon);
    if (!failure && pending.length > 0) sendPending(); // what was read is written, the source's failure or not
    stopped = true;
    // never rejects (a dead thread answers each batch with a failure); a later failure is not thrown over the first
    while (running.size > 0) await Promise.all(running);
    for (const thread of threads) thread.post({ type: "end", tree } satisfies ToWriter);
  }
  if (failure) throw failure.err;
  return { objects: count, bytes };
}
