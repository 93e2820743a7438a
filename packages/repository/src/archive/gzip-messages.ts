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
  | { type: "digest"; id: number; data: ArrayBuffer; lengths: number[] };

export type FromWorker =
  | { type: "free"; id: number; slots: number[] }
  | { type: "done"; id: number; bytes: number; sha256: string }
  | { type: "error"; id: number; message: string; code?: string }
  | { type: "digests"; id: number; sha256: string[] };
