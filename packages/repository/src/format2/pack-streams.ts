import type { PackFromWorker, PackToWorker } from "../archive/gzip-messages.js";
import { type AssembledPack, PackAssembler } from "./pack-assembler.js";

/*
 * The compressing thread's side of format-2 pack writers (PackWriter, pack-writer.ts): one
 * PackAssembler per writer ("stream"), fed the blobs of batches the thread hashed and kept (a
 * dump's pages: their bytes are on the thread already) or blobs sent with their bytes, and each
 * sealed pack sent back, transferred, for the writer to index and upload.
 */

/** A batch hashed on the thread and kept for a stream: its bytes, each piece's place and blob id. */
interface KeptBatch {
  stream: number;
  data: ArrayBuffer;
  offsets: number[];
  lengths: number[];
  ids: string[];
}

/** An ArrayBuffer holding `bytes` alone, to transfer: a small Buffer may lie in a shared pool slab. */
function ownBuffer(bytes: Buffer): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer)
    return bytes.buffer;
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return copy;
}

export class PackStreams {
  private readonly streams = new Map<number, PackAssembler>();
  private readonly kept = new Map<number, KeptBatch>();
  private readonly post: (m: PackFromWorker, transfer?: ArrayBuffer[]) => void;
  private readonly fail: (id: number, err: Error) => void;

  /** `post` sends a message to the writers' side; `fail` an error for a stream (then let go). */
  constructor(post: PackStreams["post"], fail: PackStreams["fail"]) {
    this.post = post;
    this.fail = fail;
  }

  /** Keeps a batch hashed for stream `keepFor` ("digest"), until "pack-pieces" takes it or the stream ends. */
  keep(batch: number, keepFor: number, data: ArrayBuffer, lengths: number[], ids: string[]): void {
    if (!this.streams.has(keepFor)) return; // failed or ended: nothing will take it
    const offsets: number[] = [];
    let off = 0;
    for (const length of lengths) {
      offsets.push(off);
      off += length;
    }
    this.kept.set(batch, { stream: keepFor, data, offsets, lengths, ids });
  }

  handle(m: PackToWorker): void {
    if (m.type === "pack-open") {
      try {
        const keys = m.keys && { idKey: Buffer.from(m.keys.idKey), sealKey: Buffer.from(m.keys.sealKey) };
        const { level, targetBytes, frameBytes } = m;
        this.streams.set(m.id, new PackAssembler({ keys, level, targetBytes, frameBytes }));
      } catch (err) {
        this.fail(m.id, err as Error);
      }
      return;
    }
    if (m.type === "pack-end") {
      this.end(m.id);
      return;
    }
    const assembler = this.streams.get(m.id);
    if (assembler === undefined) return; // failed already: its error was sent
    try {
      if (m.type === "pack-pieces") this.addPieces(assembler, m);
      else if (m.type === "pack-blobs") this.addBlobs(assembler, m);
      else {
        if (assembler.openBytes >= Math.max(1, m.atLeast)) this.send(m.id, assembler.close());
        this.post({ type: "pack-closed", id: m.id, skipped: assembler.skipped });
      }
    } catch (err) {
      this.end(m.id);
      this.fail(m.id, err as Error);
    }
  }

  private addPieces(assembler: PackAssembler, m: Extract<PackToWorker, { type: "pack-pieces" }>): void {
    const batch = this.kept.get(m.batch);
    this.kept.delete(m.batch);
    if (batch === undefined || batch.stream !== m.id)
      throw new Error(`pack stream: batch ${m.batch} was not kept for it`);
    for (const i of m.pieces) {
      const [offset, length, id] = [batch.offsets[i], batch.lengths[i], batch.ids[i]];
      if (offset === undefined || length === undefined || id === undefined)
        throw new Error(`pack stream: batch ${m.batch} has no piece ${i}`);
      this.send(m.id, assembler.add("data", id, new Uint8Array(batch.data, offset, length)));
    }
  }

  private addBlobs(assembler: PackAssembler, m: Extract<PackToWorker, { type: "pack-blobs" }>): void {
    let off = 0;
    for (let i = 0; i < m.lengths.length; i++) {
      const length = m.lengths[i] as number;
      this.send(m.id, assembler.add(m.types[i] ?? "data", m.ids[i] as string, new Uint8Array(m.data, off, length)));
      off += length;
    }
    this.post({ type: "pack-taken", id: m.id, bytes: off });
  }

  private send(id: number, sealed: AssembledPack | undefined): void {
    if (sealed === undefined) return;
    const [pack, entries] = [ownBuffer(sealed.pack), ownBuffer(sealed.entryBytes)];
    const { id: packId, blobs } = sealed;
    this.post({ type: "pack", id, pack, packId, entries, blobs }, [pack, entries]);
  }

  /** Lets go of a stream and the batches kept for it. */
  private end(id: number): void {
    this.streams.delete(id);
    for (const [batch, kept] of this.kept) if (kept.stream === id) this.kept.delete(batch);
  }
}
