import { constants, createDeflateRaw, type DeflateRaw } from "node:zlib";

/**
 * An empty final block (BFINAL 1, fixed Huffman codes, end of block): after a full flush, which
 * leaves the output on a byte boundary, it ends a frame's bytes as a whole raw deflate stream.
 */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);
/** A full flush ends with an empty stored block: 0000ffff, after the bits of its header. */
const FLUSH_MARK = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** zlib's output buffer: a 64 KiB frame usually deflates into one. @defaultValue 64 KiB */
const OUTPUT_CHUNK_BYTES = 64 * 1024;

/**
 * Deflates frames one after another through one raw deflate stream on libuv's thread pool, each
 * frame written with a full flush (Z_FULL_FLUSH): zlib then forgets what came before (no match
 * reaches back past the flush), so a frame's output, ended by FINAL_BLOCK, is a raw deflate stream
 * of its own that inflateRaw reads as any other (docs/format.md, "Compression"). One stream, not
 * one per frame: zlib's state is set up once and each frame costs one trip to the pool, where
 * deflateRaw per frame costs about twice the CPU (docs/decisions.md, "One deflate stream").
 *
 * Frames may be given while earlier ones are being deflated; they are deflated in order. A
 * frame's output is what the stream emitted after the previous frame's write callback, up to its
 * own: zlib pushes a write's output before that write's callback, and starts the next write's
 * work on the pool only after it.
 */
export class FrameDeflater {
  private readonly stream: DeflateRaw;
  private output: Buffer[] = [];
  private failure: Error | undefined;

  /** `level`: zlib's, 0-9. */
  constructor(level: number) {
    this.stream = createDeflateRaw({ level, flush: constants.Z_FULL_FLUSH, chunkSize: OUTPUT_CHUNK_BYTES });
    this.stream.on("data", (chunk: Buffer) => this.output.push(chunk));
    this.stream.on("error", (err) => {
      this.failure ??= err;
    });
  }

  /** The raw deflate stream of `plaintext`, which must not change until this resolves. */
  deflate(plaintext: Buffer): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.stream.write(plaintext, (err) => {
        const output = this.output;
        this.output = [];
        if (err) return reject(err);
        output.push(FINAL_BLOCK);
        const frame = Buffer.concat(output);
        const flushed = frame.subarray(-FLUSH_MARK.length - FINAL_BLOCK.length, -FINAL_BLOCK.length);
        // Never expected: output that does not end with this frame's full flush is another frame's.
        if (frame.length > FINAL_BLOCK.length && !flushed.equals(FLUSH_MARK))
          return reject(new Error("frame deflater: a frame's output does not end with its full flush"));
        resolve(frame);
      });
    });
  }

  /** Frees zlib's state; frames given after fail. Safe to call twice. */
  close(): void {
    this.stream.close();
  }
}
