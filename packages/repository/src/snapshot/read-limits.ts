import { Transform, type TransformCallback } from "node:stream";
import { IntegrityError } from "../errors.js";
import type { SnapshotManifest, SnapshotPart } from "./types.js";

/*
 * A repository is untrusted input: its files may be forged with every hash right. What gunzip
 * produces is therefore bounded before it is read, so a gzip bomb is refused after reading at most
 * a little more than the snapshot says it holds, and never more than one object sits in memory:
 *
 * - an object (one archive entry) may not be larger than MAX_OBJECT_BYTES, nor larger than all the
 *   YAML bytes snapshot.json records; its tar header is checked before its data is read;
 * - a part may not decompress to more than snapshot.json's YAML bytes plus TAR_ENTRY_OVERHEAD per
 *   object it records for the part, plus TAR_END_SLACK, nor hold more entries than it records;
 * - the index may not decompress to more than INDEX_BYTES_PER_RECORD per record snapshot.json
 *   records plus one line, nor hold a line longer than MAX_INDEX_LINE_BYTES or more records.
 *
 * snapshot.json and repository.json are read whole, so they are capped at MAX_JSON_BYTES.
 */

/**
 * Largest object a snapshot may hold, in YAML bytes. The API server refuses requests above 3 MiB
 * and etcd stores values up to 1.5 MiB by default, so an honest object is far below it.
 * @defaultValue 64 MiB
 */
export const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

/**
 * Tar bytes an entry may take besides its data: its header, a PAX header with a path record of up
 * to 6 KiB, and the padding to the next 512-byte block. kubedump's paths are under 1 KiB.
 * @defaultValue 8 KiB
 */
export const TAR_ENTRY_OVERHEAD = 8 * 1024;

/**
 * The end-of-archive blocks and a record's padding, with room to spare: more than the streams
 * between gunzip and the tar parser hold, so an entry refused at its header is named for that
 * rather than for the bytes queued behind it.
 * @defaultValue 1 MiB
 */
export const TAR_END_SLACK = 1024 * 1024;

/** Longest index line (one record as JSON; kubedump's are well under 4 KiB). @defaultValue 1 MiB */
export const MAX_INDEX_LINE_BYTES = 1024 * 1024;

/** Average index bytes a record may take, uncompressed. @defaultValue 16 KiB */
export const INDEX_BYTES_PER_RECORD = 16 * 1024;

/** Largest snapshot.json or repository.json read (a snapshot.json of 99,999 parts is about 20 MiB). @defaultValue 64 MiB */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

/** The most a part of `manifest` may decompress to. */
export function partByteLimit(manifest: SnapshotManifest, part: SnapshotPart): number {
  return manifest.bytes + part.objects * TAR_ENTRY_OVERHEAD + TAR_END_SLACK;
}

/** The largest object a part of `manifest` may hold. */
export function objectByteLimit(manifest: SnapshotManifest): number {
  return Math.min(MAX_OBJECT_BYTES, manifest.bytes);
}

/** The most the index of `manifest` may decompress to. */
export function indexByteLimit(manifest: SnapshotManifest): number {
  return manifest.index.records * INDEX_BYTES_PER_RECORD + MAX_INDEX_LINE_BYTES;
}

/** A pass-through that fails with IntegrityError naming `key` once more than `limit` bytes went through. */
export class ByteLimitStream extends Transform {
  private count = 0;
  private readonly key: string;
  private readonly limit: number;

  constructor({ key, limit }: { key: string; limit: number }) {
    super();
    this.key = key;
    this.limit = limit;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.limit) {
      callback(
        new IntegrityError(
          this.key,
          `decompresses to more than ${this.limit} bytes, more than snapshot.json's sizes allow (a gzip bomb?); refused before reading on`,
        ),
      );
      return;
    }
    callback(null, chunk);
  }
}
