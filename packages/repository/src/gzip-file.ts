import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { type Digest, DigestStream } from "./digest-stream.js";

/**
 * zlib costs a thread-pool round trip per chunk written, so thousands of small chunks (tar headers,
 * 1 KB objects, index lines) are merged into chunks of this size first. Measured on 10,000 ~1 KB
 * objects: 0.9–1.4 s unmerged, about 0.1 s merged.
 */
const MERGE_BYTES = 64 * 1024;

async function* mergeChunks(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  let chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of source) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    chunks.push(buffer);
    length += buffer.length;
    if (length >= MERGE_BYTES) {
      yield Buffer.concat(chunks, length);
      chunks = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.concat(chunks, length);
}

export interface GzipFileOptions {
  source: AsyncIterable<Buffer | string>;
  file: string;
  level: number;
}

/** Gzips `source` into `file`; resolves with the size and sha256 of the file's bytes. */
export async function writeGzipFile({ source, file, level }: GzipFileOptions): Promise<Digest> {
  const digest = new DigestStream();
  await pipeline(source, mergeChunks, createGzip({ level }), digest, createWriteStream(file));
  return digest.result();
}
