import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { workerBeside } from "../archive/gzip-thread.js";
import { UnsafePathError } from "../errors.js";
import { threadOnFirstUse } from "../worker-requests.js";
import type { PathAndData, PathsAndBlobs } from "./types.js";
import type { ToWriter, WriteBatch, WriteFailure, WriteReply } from "./write-messages.js";

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

/** The error a batch's failure stands for, as the write on this thread would have thrown it. */
function errorOf(failure: WriteFailure): Error {
  if (failure.kind === "unsafe") return new UnsafePathError(failure.path, failure.reason);
  const { message, code, errno, syscall, path } = failure;
  return Object.assign(new Error(message), { code, errno, syscall, path });
}

/**
 * The process's writing thread (write-worker.ts), started on first use and shared by the downloads
 * at once; it keeps the process alive only while batches are awaited. If it dies, those fail, and
 * the next download starts a new thread.
 */
const writer = threadOnFirstUse<WriteReply>(
  () => workerBeside(import.meta.url, "snapshot/write-worker.js"),
  "writing thread",
  (id, reason) => ({
    id,
    written: 0,
    failure: { kind: "system", message: `writing thread: ${reason}` },
  }),
);

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
 * Writes each object to `<toDir>/<path>` on the writing thread (write-files.ts), in batches: the
 * objects given one by one are copied into batches (BATCH_FILES, BATCH_BYTES); a batch of blobs
 * that lie in one buffer of their own (an `owned` PathsAndBlobs: a format-2 read's slice) goes as
 * it is, its buffer moved to the thread, not copied. Up to BATCHES_AHEAD batches are sent while
 * the next fills; when the thread has nothing to write, what came meanwhile goes at once (at the
 * end of the event loop's turn), so the first files do not wait for a batch to fill.
 *
 * It refuses a path that breaks the path rule (safe-path.ts), and a directory or file below
 * `toDir` that is a symlink, and a file there that is a hard link or not a regular file
 * (UnsafePathError): nothing is written outside `toDir`. The objects' paths come from
 * readSnapshotObjects, which refuses links in the archive, so no link is ever created. On an
 * error no further object is read or written (the thread writes no file of the download after
 * the one that failed), and the batches sent end before it is thrown; the objects read before a
 * failure of `objects` are written. `written` is called with each file's size once it is written.
 */
export async function writeTree(
  objects: AsyncIterable<PathAndData | PathsAndBlobs>,
  toDir: string,
  written: (bytes: number) => void = () => {},
): Promise<DownloadResult> {
  const root = resolve(toDir);
  await mkdir(root, { recursive: true });
  const thread = writer();
  const tree = thread.newId();
  const running = new Set<Promise<void>>();
  let failure: { err: Error } | undefined;
  let count = 0;
  let bytes = 0;
  let pending: PathAndData[] = [];
  let pendingBytes = 0;
  let stopped = false;
  const send = (out: Outgoing) => {
    const { paths, data, starts, ends } = out;
    const batch: WriteBatch = { type: "write", id: thread.newId(), tree, root, paths, data, starts, ends };
    const sizes = Array.from(ends, (end, i) => end - (starts[i] as number));
    const writing: Promise<void> = thread
      .request(batch, [data, starts.buffer as ArrayBuffer, ends.buffer as ArrayBuffer])
      .then((reply) => {
        running.delete(writing);
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
        // the thread is idle and files wait: they go now, not once the batch is full
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
      // the thread is idle: what comes in this turn of the event loop (a chunk's objects) goes
      // together, once it is over, rather than a batch an object
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
    thread.post({ type: "end", tree } satisfies ToWriter);
  }
  if (failure) throw failure.err;
  return { objects: count, bytes };
}
