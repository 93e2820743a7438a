import { workerBeside } from "../archive/gzip-thread.js";
import { IntegrityError } from "../errors.js";
import { threadOnFirstUse } from "../worker-requests.js";
import type { BlobLocation } from "./blob-index.js";
import { BLOB_FIELDS, type DecodeReply, type DecodeRequest, FRAME_FIELDS } from "./frame-messages.js";
import { blobIdBytes, type Format2Keys } from "./keys.js";
import { decodeFrame, MAX_BLOB_BYTES, type PackEntry } from "./pack-format.js";

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
 * each frame decoded once (decodeFrame: authenticated when sealed, inflated, its length checked),
 * each blob cut from its frame and checked against its id (blobOfFrame's checks, the id compared
 * as bytes); the blobs' plaintext one after another, in the request's order, in one buffer (the
 * rest of their frames left behind). IntegrityError naming the pack when a check fails.
 */
export function decodeSlice(m: DecodeRequest): ArrayBuffer {
  const data = Buffer.from(m.stored);
  const ids = Buffer.from(m.ids);
  const view = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const keys: Format2Keys | null = m.keys && { idKey: view(m.keys.idKey), sealKey: view(m.keys.sealKey) };
  const count = Math.floor(m.blobs.length / BLOB_FIELDS);
  let total = 0;
  for (let b = 0; b < count; b++) total += m.blobs[b * BLOB_FIELDS + 2] as number;
  const plain = new ArrayBuffer(total);
  const out = Buffer.from(plain);
  const idOf = (b: number) => ids.toString("hex", b * ID_BYTES, (b + 1) * ID_BYTES); // for errors alone
  let [current, frame, at]: [number, Buffer, number] = [-1, Buffer.alloc(0), 0];
  for (let b = 0; b < count; b++) {
    const f = m.blobs[b * BLOB_FIELDS] as number;
    const offsetInFrame = m.blobs[b * BLOB_FIELDS + 1] as number;
    const rawLength = m.blobs[b * BLOB_FIELDS + 2] as number;
    if (f !== current) {
      const [offset, length, frameRawLength, compression] = m.frames.subarray(f * FRAME_FIELDS, (f + 1) * FRAME_FIELDS);
      const entry: PackEntry = {
        id: idOf(b),
        type: "data",
        compression: compression === 1 ? 1 : 0,
        offset: offset as number,
        length: length as number,
        frameRawLength: frameRawLength as number,
        offsetInFrame,
        rawLength,
      };
      const from = entry.offset - m.base;
      if (from < 0 || from + entry.length > data.length)
        throw new IntegrityError(m.key, `blob ${entry.id}: frame at ${entry.offset}: past the end of the pack`);
      frame = decodeFrame(keys, m.key, entry, data.subarray(from, from + entry.length));
      current = f;
    }
    const fail = (problem: string) => new IntegrityError(m.key, `blob ${idOf(b)}: ${problem}`);
    if (rawLength > MAX_BLOB_BYTES) throw fail(`${rawLength} bytes, more than a blob may be`);
    const end = offsetInFrame + rawLength;
    if (end > frame.length) throw fail(`ends at ${end}, past its frame's ${frame.length} bytes`);
    const blob = frame.subarray(offsetInFrame, end);
    if (!blobIdBytes(keys, blob).equals(ids.subarray(b * ID_BYTES, (b + 1) * ID_BYTES)))
      throw fail("content does not match its id");
    out.set(blob, at);
    at += rawLength;
  }
  return plain;
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
  for (let b = 0; b < locations.length; b++) {
    const location = locations[b] as BlobLocation;
    if (last?.offset !== location.offset)
      frames.push(location.offset, location.length, location.frameRawLength, location.compression);
    last = location;
    blobs[b * BLOB_FIELDS] = frames.length / FRAME_FIELDS - 1;
    blobs[b * BLOB_FIELDS + 1] = location.offsetInFrame;
    blobs[b * BLOB_FIELDS + 2] = location.rawLength;
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
  let at = 0;
  for (const location of locations) {
    blobs.push(Buffer.from(reply.plain, at, location.rawLength));
    at += location.rawLength;
  }
  if (at !== reply.plain.byteLength)
    throw new Error(`frame thread: ${reply.plain.byteLength} bytes of blobs for ${at} asked for`);
  return blobs;
}
