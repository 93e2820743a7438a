/** What the compressing thread (gzip-worker.ts) and the process's side of it (gzip-thread.ts) say. */

/** Chunks travel to the compressing thread through a ring of shared slots: no allocation per chunk. */
export const SLOT_BYTES = 256 * 1024;

/** The thread's `workerData`. */
export interface GzipWorkerData {
  /** How much nicer than the rest of the process the thread runs, where it can. */
  niceness: number;
}

export type ToWorker =
  | { type: "open"; id: number; file: string; level: number; shared: SharedArrayBuffer; slotBytes: number }
  | { type: "chunks"; id: number; chunks: { slot: number; length: number }[] }
  | { type: "end"; id: number }
  | { type: "abort"; id: number }
  /** `idKey`: also each piece's HMAC-SHA256 under it (an encrypted format-2 repository's blob ids). */
  | { type: "digest"; id: number; data: ArrayBuffer; lengths: number[]; idKey?: Uint8Array };

export type FromWorker =
  | { type: "free"; id: number; slots: number[] }
  | { type: "done"; id: number; bytes: number; sha256: string }
  | { type: "error"; id: number; message: string; code?: string }
  | { type: "digests"; id: number; sha256: string[]; ids?: string[] };
