/*
 * Messages between a reader and the frame thread (frame-thread.ts, frame-worker.ts): the frames
 * of a slice of a pack go there as their stored bytes, and the slice's blobs come back, one after
 * another, each checked against its id there.
 */

/** Numbers a request gives per frame: offset in the pack, stored length, plaintext length, compression. */
export const FRAME_FIELDS = 4;
/** Numbers a request gives per blob: its frame (an index into the request's frames), offset in frame, length. */
export const BLOB_FIELDS = 3;

/** Decode the frames of `stored` (the pack's bytes from `base` on) and check and give the blobs in them. */
export interface DecodeRequest {
  id: number;
  /** The pack's key, which errors name. */
  key: string;
  /** The repository's keys (Format2Keys), each its own bytes. */
  keys: { idKey: Uint8Array; sealKey: Uint8Array } | null;
  stored: ArrayBuffer;
  base: number;
  /** FRAME_FIELDS numbers a frame. */
  frames: Uint32Array;
  /** BLOB_FIELDS numbers a blob. */
  blobs: Uint32Array;
  /** The blobs' ids, 32 bytes each. */
  ids: ArrayBuffer;
}

/** The reply: `plain` holds the blobs' plaintext one after another, in the request's order. */
export type DecodeReply =
  | { id: number; type: "blobs"; plain: ArrayBuffer }
  | { id: number; type: "error"; key?: string; reason: string };
