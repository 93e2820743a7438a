import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { IntegrityError } from "../errors.js";
import type { ObjectCodec } from "./codec.js";

/*
 * One encrypted object (a part or an index), streamed in chunks so neither side holds more than
 * a chunk:
 *
 *   header  = "KDMPENC1" | chunk size (u32 BE) | salt (32 random bytes)
 *   frame i = AES-256-GCM(chunk i) | tag (16)
 *
 * Each object gets its own key and nonce prefix, HKDF(data key, salt); chunk i's nonce is
 * prefix (7) | i (u32 BE) | final flag (1), the flag set on the last chunk only (STREAM
 * construction), so dropping, reordering or appending chunks fails authentication. The
 * associated data of every chunk is the header plus the object key, so an object cannot be
 * moved to another key unnoticed. Every chunk but the last is full; the last may be empty.
 */

const MAGIC = Buffer.from("KDMPENC1");
const SALT_BYTES = 32;
const HEADER_BYTES = MAGIC.length + 4 + SALT_BYTES;
const TAG_BYTES = 16;
const PREFIX_BYTES = 7;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
const MIN_CHUNK = 1024;
const MAX_CHUNK = 16 * 1024 * 1024;
const MAX_CHUNKS = 2 ** 32;

/** Bytes in arrival order; take(n) returns the first n as one buffer. */
class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0] as Buffer;
      const used = head.copy(out, filled, 0, Math.min(head.length, n - filled));
      filled += used;
      if (used === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(used);
    }
    this.length -= n;
    return out;
  }
}

interface ObjectCipherKey {
  key: Buffer;
  prefix: Buffer;
  aad: Buffer;
}

function objectCipherKey(dataKey: Buffer, header: Buffer, objectKey: string): ObjectCipherKey {
  const salt = header.subarray(MAGIC.length + 4);
  const material = Buffer.from(hkdfSync("sha256", dataKey, salt, "kubedump object key v1", 32 + PREFIX_BYTES));
  const aad = Buffer.concat([header, Buffer.from(objectKey, "utf8")]);
  return { key: material.subarray(0, 32), prefix: material.subarray(32), aad };
}

function nonce(prefix: Buffer, index: number, final: boolean): Buffer {
  const out = Buffer.alloc(12);
  prefix.copy(out, 0);
  out.writeUInt32BE(index, PREFIX_BYTES);
  out[11] = final ? 1 : 0;
  return out;
}

/** Encrypts a stream for `objectKey`. */
export class EncryptStream extends Transform {
  private readonly queue = new ByteQueue();
  private readonly cipherKey: ObjectCipherKey;
  private readonly chunkBytes: number;
  private index = 0;

  constructor(dataKey: Buffer, objectKey: string, chunkBytes = DEFAULT_CHUNK_BYTES) {
    super();
    if (chunkBytes < MIN_CHUNK || chunkBytes > MAX_CHUNK) throw new RangeError(`chunk size ${chunkBytes} out of range`);
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt32BE(chunkBytes, MAGIC.length);
    randomBytes(SALT_BYTES).copy(header, MAGIC.length + 4);
    this.cipherKey = objectCipherKey(dataKey, header, objectKey);
    this.chunkBytes = chunkBytes;
    this.push(header);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.queue.push(chunk);
    // A full chunk goes out only once more data follows it: the last chunk carries the final flag.
    while (this.queue.length > this.chunkBytes) this.push(this.seal(this.queue.take(this.chunkBytes), false));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.push(this.seal(this.queue.take(this.queue.length), true));
    callback();
  }

  private seal(plain: Buffer, final: boolean): Buffer {
    if (this.index >= MAX_CHUNKS) throw new RangeError("object too large to encrypt");
    const { key, prefix, aad } = this.cipherKey;
    const cipher = createCipheriv("aes-256-gcm", key, nonce(prefix, this.index++, final));
    cipher.setAAD(aad);
    const body = cipher.update(plain);
    const rest = cipher.final();
    return Buffer.concat([body, rest, cipher.getAuthTag()]);
  }
}

/** Decrypts what EncryptStream wrote for `objectKey`; fails with IntegrityError naming the key. */
export class DecryptStream extends Transform {
  private readonly queue = new ByteQueue();
  private readonly dataKey: Buffer;
  private readonly objectKey: string;
  private cipherKey: ObjectCipherKey | undefined;
  private frameBytes = 0;
  private index = 0;

  constructor(dataKey: Buffer, objectKey: string) {
    super();
    this.dataKey = dataKey;
    this.objectKey = objectKey;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.queue.push(chunk);
    try {
      if (!this.cipherKey && this.queue.length >= HEADER_BYTES) this.readHeader(this.queue.take(HEADER_BYTES));
      while (this.cipherKey && this.queue.length > this.frameBytes)
        this.push(this.open(this.queue.take(this.frameBytes), false));
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (!this.cipherKey) throw this.error("too short to hold the encryption header (truncated, or not encrypted)");
      if (this.queue.length < TAG_BYTES) throw this.error("truncated: the last chunk is missing");
      this.push(this.open(this.queue.take(this.queue.length), true));
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private readHeader(header: Buffer): void {
    if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw this.error("not encrypted by kubedump (unknown header)");
    const chunkBytes = header.readUInt32BE(MAGIC.length);
    if (chunkBytes < MIN_CHUNK || chunkBytes > MAX_CHUNK)
      throw this.error(`bad chunk size ${chunkBytes} in the header`);
    this.frameBytes = chunkBytes + TAG_BYTES;
    this.cipherKey = objectCipherKey(this.dataKey, header, this.objectKey);
  }

  private open(frame: Buffer, final: boolean): Buffer {
    const { key, prefix, aad } = this.cipherKey as ObjectCipherKey;
    const index = this.index++;
    if (index >= MAX_CHUNKS) throw this.error("too many chunks");
    const decipher = createDecipheriv("aes-256-gcm", key, nonce(prefix, index, final));
    decipher.setAAD(aad);
    decipher.setAuthTag(frame.subarray(frame.length - TAG_BYTES));
    const body = decipher.update(frame.subarray(0, frame.length - TAG_BYTES));
    try {
      return Buffer.concat([body, decipher.final()]);
    } catch (err) {
      throw this.error(
        `cannot decrypt chunk ${index}: authentication failed (the stored bytes were changed, truncated or moved)`,
        err,
      );
    }
  }

  private error(reason: string, cause?: unknown): IntegrityError {
    return new IntegrityError(this.objectKey, reason, cause === undefined ? undefined : { cause });
  }
}

/** Encrypts parts and index with the repository's data key, each object bound to its key. */
export function createEncryptionCodec(dataKey: Buffer): ObjectCodec {
  return {
    encoder: (objectKey) => new EncryptStream(dataKey, objectKey),
    decoder: (objectKey) => new DecryptStream(dataKey, objectKey),
  };
}
