import { createHash, createHmac, type Hash, hash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readlinkSync, writeSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { dirname } from "node:path";
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { gzipSync } from "node:zlib";
import { PackStreams } from "../format2/pack-streams.js";
import type { FromWorker, GzipWorkerData, ToWorker } from "./gzip-messages.js";

/*
 * The compressing thread (started by gzip-thread.ts): gzip → sha256 and size → file, for every
 * file being written at once (a snapshot's part and its index), the sha256 of the objects a
 * dump archives (sha256Each), and a format-2 repository's packs (format2/pack-streams.ts: the
 * objects of a page, hashed here, are kept here for them). zlib on the main thread's event loop
 * advances one thread-pool job per turn of that loop, so while the dump serializes a page it
 * compresses little and the dump then waits for it; a worker's loop does nothing else
 * (docs/benchmarks.md, "What moved it").
 *
 * Each shared slot is compressed here as one gzip member (RFC 1952: a gzip file is a series of
 * members; gunzip, tar and every zlib binding read them as one stream). That takes no thread-pool
 * hop and no stream machinery per chunk, for slightly larger files (docs/benchmarks.md, "What
 * moved it"). A member is written with a blocking write, which blocks only this thread (through a
 * write stream every member was a thread-pool job and a wake-up of this loop). A slot is freed as
 * soon as its member is written.
 */

interface OpenFile {
  level: number;
  shared: SharedArrayBuffer;
  slotBytes: number;
  hash: Hash;
  bytes: number;
  fd: number;
}

if (!parentPort) throw new Error("gzip-worker.js runs only as a worker thread");
const port: MessagePort = parentPort;
const files = new Map<number, OpenFile>();

function post(message: FromWorker, transfer?: ArrayBuffer[]): void {
  port.postMessage(message, transfer);
}

const packs = new PackStreams(post, (id, err) => post({ type: "error", id, message: err.message }));

/** Linux: /proc/thread-self is task/<tid>, and setpriority on a thread id sets that thread's. */
function lowerPriority(niceness: number): void {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + niceness));
  } catch {
    // another OS, or not allowed: the thread runs at the process's priority
  }
}

function closeQuietly(fd: number): void {
  if (fd < 0) return;
  try {
    closeSync(fd);
  } catch {
    // failing already: the first error is the one reported
  }
}

function fail(id: number, err: NodeJS.ErrnoException): void {
  const f = files.get(id);
  files.delete(id);
  if (f) closeQuietly(f.fd);
  post({ type: "error", id, message: err.message, code: err.code });
}

function write(f: OpenFile, data: Uint8Array): void {
  const member = gzipSync(data, { level: f.level });
  f.hash.update(member);
  f.bytes += member.length;
  for (let off = 0; off < member.length; ) off += writeSync(f.fd, member, off);
}

function open({ id, file, level, shared, slotBytes }: Extract<ToWorker, { type: "open" }>): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    files.set(id, { level, shared, slotBytes, hash: createHash("sha256"), bytes: 0, fd: openSync(file, "w") });
  } catch (err) {
    fail(id, err as NodeJS.ErrnoException);
  }
}

/** The sha256 of each consecutive piece of `data`, in hex; with `idKey`, also its HMAC-SHA256 under it. */
function digest({ id, data, lengths, idKey, keepFor }: Extract<ToWorker, { type: "digest" }>): void {
  try {
    const sha256: string[] = [];
    const ids: string[] | undefined = idKey ? [] : undefined;
    let off = 0;
    for (const length of lengths) {
      const piece = new Uint8Array(data, off, length);
      sha256.push(hash("sha256", piece, "hex"));
      if (idKey) ids?.push(createHmac("sha256", idKey).update(piece).digest("hex"));
      off += length;
    }
    if (keepFor !== undefined) packs.keep(id, keepFor, data, lengths, ids ?? sha256);
    post(ids ? { type: "digests", id, sha256, ids } : { type: "digests", id, sha256 });
  } catch (err) {
    post({ type: "error", id, message: (err as Error).message });
  }
}

function end(id: number, f: OpenFile): void {
  if (f.bytes === 0) write(f, new Uint8Array(0)); // an empty file is not gzip; an empty member is
  const fd = f.fd;
  f.fd = -1; // closed even when close fails: never closed twice
  closeSync(fd);
  files.delete(id);
  post({ type: "done", id, bytes: f.bytes, sha256: f.hash.digest("hex") });
}

/** Chunks, end or abort of an open file. */
function onFileMessage(m: Extract<ToWorker, { type: "chunks" | "end" | "abort" }>): void {
  const f = files.get(m.id);
  if (!f) return; // finished or failed already
  if (m.type === "abort") {
    fail(m.id, new Error("writer aborted"));
    return;
  }
  try {
    if (m.type === "end") {
      end(m.id, f);
      return;
    }
    for (const { slot, length } of m.chunks) write(f, new Uint8Array(f.shared, slot * f.slotBytes, length));
    post({ type: "free", id: m.id, slots: m.chunks.map((c) => c.slot) });
  } catch (err) {
    fail(m.id, err as NodeJS.ErrnoException);
  }
}

lowerPriority((workerData as GzipWorkerData).niceness);
port.on("message", (m: ToWorker) => {
  if (m.type === "open") open(m);
  else if (m.type === "digest") digest(m);
  else if (m.type === "chunks" || m.type === "end" || m.type === "abort") onFileMessage(m);
  else packs.handle(m);
});
