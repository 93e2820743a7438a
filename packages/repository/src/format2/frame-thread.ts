import { workerBeside } from "../archive/gzip-thread.js";
import { IntegrityError } from "../errors.js";
import { threadOnFirstUse } from "../worker-requests.js";
import type { BlobLocation } from "./blob-index.js";
import { BLOB_FIELDS, type DecodeReply, type DecodeRequest, FRAME_FIELDS } from "./frame-messages.js";
import type { Format2Keys } from "./keys.js";
import { blobOfFrame, decodeFrame, type PackEntry } from "./pack-format.js";

/**
 * Stored bytes of a pack that frames are decoded from: the whole pack (a LoadedPack), or a range
 * of it read alone, `offset` its first byte's place in the pack (0 for a whole pack).
 */
export interface PackBytes {
  key: string;
  data: Buffer;
  offset?: number;
}

/*
 * The frame thread: a reader of whole packs (a download, a verify) has the frames it wants
 * inflated and their blobs checked against their ids on a worker thread (frame-worker.ts), a slice
 * of a pack at a time, while its main thread writes the blobs of the slices before. On the main
 * thread an inflate of a 64 KiB frame on libuv's pool costs about what inflating it there does
 * (a zlib stream a call), so only a thread that takes many frames a message moves the work off
 * it (docs/benchmarks.md, "Session 2026-12-05: f2dl2").
 */

const ID_BYTES = 32;

/**
 * What the frame thread does with a request (frame-worker.ts), and a test without a thread:
 * each frame decoded (decodeFrame: authenticated when sealed, inflated, its length checked), each
 * blob cut from its frame and checked against its id (blobOfFrame); the frames' plaintext one
 * after another in one buffer. IntegrityError naming the pack when a check fails.
 */
export function decodeSlice(m: DecodeRequest): { plain: ArrayBuffer; starts: number[] } {
  const data = Buffer.from(m.stored);
  const ids = Buffer.from(m.ids);
  const view = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const keys: Format2Keys | null = m.keys && { idKey: view(m.keys.idKey), sealKey: view(m.keys.sealKey) };
  const frames: Buffer[] = [];
  for (let b = 0; b * BLOB_FIELDS < m.blobs.length; b++) {
    const f = m.blobs[b * BLOB_FIELDS] as number;
    const [offset, length, frameRawLength, compression] = m.frames.subarray(f * FRAME_FIELDS, (f + 1) * FRAME_FIELDS);
    const entry: PackEntry = {
      id: ids.toString("hex", b * ID_BYTES, (b + 1) * ID_BYTES),
      type: "data",
      compression: compression === 1 ? 1 : 0,
      offset: offset as number,
      length: length as number,
      frameRawLength: frameRawLength as number,
      offsetInFrame: m.blobs[b * BLOB_FIELDS + 1] as number,
      rawLength: m.blobs[b * BLOB_FIELDS + 2] as number,
    };
    let frame = frames[f];
    if (!frame) {
      const at = entry.offset - m.base;
      if (at < 0 || at + entry.length > data.length)
        throw new IntegrityError(m.key, `blob ${entry.id}: frame at ${entry.offset}: past the end of the pack`);
      frame = decodeFrame(keys, m.key, entry, data.subarray(at, at + entry.length));
      frames[f] = frame;
    }
    blobOfFrame(keys, m.key, entry, frame);
  }
  const starts: number[] = [];
  let total = 0;
  for (const frame of frames) {
    starts.push(total);
    total += frame?.length ?? 0;
  }
  const plain = new ArrayBuffer(total);
  const out = new Uint8Array(plain);
  for (const [f, frame] of frames.entries()) if (frame) out.set(frame, starts[f]);
  return { plain, starts };
}

/**
 * A request for the blobs at `locations` (sorted byPlace, all in the pack of `pack`): each
 * distinct frame once, the stored bytes from the first frame's start to the last one's end copied
 * once (fewer when `pack` holds fewer: the thread then refuses the frames past its end).
 */
export function sliceRequest(
  id: number,
  keys: Format2Keys | null,
  pack: PackBytes,
  locations: readonly BlobLocation[],
): DecodeRequest {
  const frames: number[] = [];
  const blobs = new Uint32Array(locations.length * BLOB_FIELDS);
  const ids = Buffer.allocUnsafeSlow(locations.length * ID_BYTES);
  let last: BlobLocation | undefined;
  for (const [b, location] of locations.entries()) {
    if (last?.offset !== location.offset)
      frames.push(location.offset, location.length, location.frameRawLength, location.compression);
    last = location;
    blobs.set([frames.length / FRAME_FIELDS - 1, location.offsetInFrame, location.rawLength], b * BLOB_FIELDS);
    ids.write(location.id, b * ID_BYTES, ID_BYTES, "hex");
  }
  const base = frames[0] ?? 0;
  // The keys' own bytes: a Buffer posted as it is takes along the whole pool slab it may lie in.
  const exact = keys && { idKey: new Uint8Array(keys.idKey), sealKey: new Uint8Array(keys.sealKey) };
  const end = last ? last.offset + last.length : base;
  const from = base - (pack.offset ?? 0); // where the first frame starts in pack.data
  const stored = new Uint8Array(from < 0 ? 0 : Math.max(0, Math.min(end - base, pack.data.length - from)));
  stored.set(pack.data.subarray(from, from + stored.length));
  return {
    id,
    key: pack.key,
    keys: exact,
    stored: stored.buffer,
    base,
    frames: Uint32Array.from(frames),
    blobs,
    ids: ids.buffer as ArrayBuffer,
  };
}

/**
 * The process's frame thread, started on first use; it keeps the process alive only while
 * requests are awaited. If it dies, those fail, and the next request starts a new thread.
 */
const frames = threadOnFirstUse<DecodeReply>(
  () => workerBeside(import.meta.url, "format2/frame-worker.js"),
  "frame thread",
  (id, reason) => ({
    id,
    type: "error",
    reason,
  }),
);

/**
 * Starts the frame thread now, if it is not running, for a reader that will surely use it: the
 * thread loads its code (about 0.1 s) while the reader loads the index and reads the tree.
 */
export function startFrameThread(): void {
  frames();
}

/**
 * The plaintext of the blobs at `locations` (sorted byPlace, all in the pack of `pack`, each
 * inside it: checkFramePlace), in their order, their frames decoded and each blob checked against
 * its id on the frame thread (decodeSlice). IntegrityError naming the pack when a check fails there.
 */
export async function blobsOnThread(
  keys: Format2Keys | null,
  pack: PackBytes,
  locations: readonly BlobLocation[],
): Promise<Buffer[]> {
  const thread = frames();
  const request = sliceRequest(thread.newId(), keys, pack, locations);
  const reply = await thread.request(request, [request.stored, request.ids]);
  if (reply.type === "error")
    throw reply.key === undefined
      ? new Error(`frame thread: ${reply.reason}`)
      : new IntegrityError(reply.key, reply.reason);
  const blobs: Buffer[] = [];
  let [frame, last] = [-1, undefined as BlobLocation | undefined];
  for (const location of locations) {
    if (last?.offset !== location.offset) frame += 1;
    last = location;
    const start = (reply.starts[frame] as number) + location.offsetInFrame;
    blobs.push(Buffer.from(reply.plain, start, location.rawLength));
  }
  return blobs;
}
