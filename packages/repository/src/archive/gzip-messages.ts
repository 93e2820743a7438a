import type { BlobType } from "../format2/pack-format.js";

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
  /**
   * `idKey`: also each piece's HMAC-SHA256 under it (an encrypted format-2 repository's blob ids).
   * `keepFor`: the pack stream (below) that takes pieces of this batch by number ("pack-pieces").
   */
  | { type: "digest"; id: number; data: ArrayBuffer; lengths: number[]; idKey?: Uint8Array; keepFor?: number }
  | PackToWorker;

/**
 * A format-2 pack writer's stream on the thread (format2/pack-streams.ts): blobs in, sealed packs
 * out, in the order the blobs came.
 */
export type PackToWorker =
  | {
      type: "pack-open";
      id: number;
      keys: { idKey: Uint8Array; sealKey: Uint8Array } | null;
      level: number;
      targetBytes?: number;
      frameBytes?: number;
    }
  /** Blobs of a batch the stream kept ("digest" with keepFor), by number; the batch is let go. */
  | { type: "pack-pieces"; id: number; batch: number; pieces: number[] }
  /** Blobs given here, one after another in `data`; answered with "pack-taken". */
  | { type: "pack-blobs"; id: number; data: ArrayBuffer; lengths: number[]; ids: string[]; types: BlobType[] }
  /** Seal the open pack if it holds `atLeast` bytes (0: if it holds a blob); answered with "pack-closed". */
  | { type: "pack-close"; id: number; atLeast: number }
  /** The stream and the batches it kept are let go. */
  | { type: "pack-end"; id: number };

export type FromWorker =
  | { type: "free"; id: number; slots: number[] }
  | { type: "done"; id: number; bytes: number; sha256: string }
  | { type: "error"; id: number; message: string; code?: string }
  | { type: "digests"; id: number; sha256: string[]; ids?: string[] }
  | PackFromWorker;

export type PackFromWorker =
  /** A sealed pack of the stream's next `blobs` blobs ("pack-open"'s `id`); `pack` and `entries` are transferred. */
  | {
      type: "pack";
      id: number;
      pack: ArrayBuffer;
      packId: string;
      entries: ArrayBuffer;
      blobs: number;
    }
  | { type: "pack-taken"; id: number; bytes: number }
  /** `skipped`: blobs the stream was given again and did not store, so far. */
  | { type: "pack-closed"; id: number; skipped: number };
