import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import type { Digest } from "../archive/types.js";
import { IntegrityError } from "../errors.js";

/** A pass-through that counts and hashes what flows through it. */
export class DigestStream extends Transform {
  private readonly hash: Hash = createHash("sha256");
  private count = 0;
  private digest: Digest | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.digest = { bytes: this.count, sha256: this.hash.digest("hex") };
    callback();
  }

  /** The digest of everything that passed; only after the stream has ended. */
  result(): Digest {
    if (!this.digest) throw new Error("DigestStream.result() called before the stream ended");
    return this.digest;
  }
}

/** A pass-through that fails at the end when the bytes differ from `expected`. */
export class VerifyStream extends Transform {
  private readonly hash: Hash = createHash("sha256");
  private count = 0;
  private readonly key: string;
  private readonly expected: Digest;

  /** `key` names the object in the error. */
  constructor({ key, expected }: { key: string; expected: Digest }) {
    super();
    this.key = key;
    this.expected = expected;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    if (this.count > this.expected.bytes) {
      callback(new IntegrityError(this.key, `more than the recorded ${this.expected.bytes} bytes`));
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const sha256 = this.hash.digest("hex");
    if (this.count !== this.expected.bytes) {
      callback(new IntegrityError(this.key, `${this.count} bytes, manifest records ${this.expected.bytes}`));
    } else if (sha256 !== this.expected.sha256) {
      callback(new IntegrityError(this.key, `sha256 ${sha256}, manifest records ${this.expected.sha256}`));
    } else {
      callback();
    }
  }
}
