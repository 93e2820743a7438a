import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import type { Client } from "minio";
import { StoreRequestError } from "../errors.js";
import { isNotFound } from "./s3-errors.js";

/** The slice of the S3 client a streaming upload needs; every call retries and translates errors. */
export interface MultipartDeps {
  bucket: string;
  partSize: number;
  /** Headers of the upload, e.g. its Object Lock retention. */
  headers: Record<string, string>;
  /** One PUT of a whole small object with the store's headers. */
  putBuffer(client: Client, objectName: string, data: Buffer): Promise<unknown>;
  /** Runs one request with the store's client, retries and error translation. */
  call<T>(operation: string, fn: (client: Client) => Promise<T>): Promise<T>;
}

/**
 * Splits a stream into pieces of exactly `size` bytes (the last one shorter). One buffer is
 * reused: a piece must be consumed before the next is asked for.
 */
export async function* pieces(body: AsyncIterable<Buffer | string>, size: number): AsyncGenerator<Buffer> {
  let buffer = Buffer.allocUnsafe(size);
  let filled = 0;
  for await (const data of body) {
    let chunk = typeof data === "string" ? Buffer.from(data) : data;
    while (chunk.length > 0) {
      const n = chunk.copy(buffer, filled, 0, Math.min(chunk.length, size - filled));
      filled += n;
      chunk = chunk.subarray(n);
      if (filled === size) {
        yield buffer;
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
  buffer = Buffer.alloc(0);
}

function md5(data: Buffer): string {
  return createHash("md5").update(data).digest("base64");
}

async function uploadParts(
  deps: MultipartDeps,
  objectName: string,
  uploadId: string,
  first: Buffer,
  rest: AsyncIterator<Buffer>,
) {
  const etags: { part: number; etag: string }[] = [];
  let piece: Buffer | undefined = first;
  for (let part = 1; piece; part += 1) {
    const data = piece;
    const headers = { "Content-Length": data.length, "Content-MD5": md5(data) };
    const { etag } = await deps.call("upload part of", (c) =>
      c.uploadPart({ bucketName: deps.bucket, objectName, uploadID: uploadId, partNumber: part, headers }, data),
    );
    etags.push({ part, etag });
    const next = await rest.next();
    piece = next.done ? undefined : next.value;
  }
  return etags;
}

/**
 * Uploads a stream of unknown length holding at most one part (`partSize` bytes) in memory. A
 * stream shorter than one part is sent with a single PUT. Each request is retried on its own
 * (the part is in memory, so nothing is read twice); on failure the multipart upload is aborted.
 */
export async function uploadStream(deps: MultipartDeps, objectName: string, body: Readable): Promise<void> {
  const source = pieces(body, deps.partSize);
  try {
    const first = await source.next();
    const piece = first.done ? Buffer.alloc(0) : first.value;
    if (piece.length < deps.partSize) {
      await deps.call("put", (c) => deps.putBuffer(c, objectName, piece));
      return;
    }
    const uploadId = await deps.call("start upload of", (c) =>
      c.initiateNewMultipartUpload(deps.bucket, objectName, { ...deps.headers }),
    );
    try {
      const etags = await uploadParts(deps, objectName, uploadId, piece, source);
      await deps.call("complete upload of", (c) => c.completeMultipartUpload(deps.bucket, objectName, uploadId, etags));
    } catch (err) {
      await deps
        .call("abort upload of", (c) => c.abortMultipartUpload(deps.bucket, objectName, uploadId))
        .catch(() => {}); // best effort; a sweep removes the rest
      throw err;
    }
  } catch (err) {
    body.destroy();
    throw err;
  } finally {
    await source.return(undefined);
  }
}

/** Runs one request about `key` with the store's client, retries and error translation. */
export type KeyedCall = <T>(operation: string, key: string, fn: (client: Client) => Promise<T>) => Promise<T>;

/**
 * Aborts the multipart uploads below `full` (the store's `prefix` plus `below`) started before
 * `olderThan`; resolves with how many it aborted.
 */
export async function abortIncompleteUploads(
  store: { bucket: string; prefix: string; call: KeyedCall },
  below: string,
  full: string,
  olderThan: Date,
): Promise<number> {
  const { bucket, call } = store;
  let [keyMarker, uploadIdMarker, removed] = ["", "", 0];
  for (let truncated = true; truncated; ) {
    // MinIO lists uploads for "" or an exact key only, not for a prefix: list all, filter here.
    const page = await call("list uploads below", below, (c) =>
      c.listIncompleteUploadsQuery(bucket, "", keyMarker, uploadIdMarker, "").catch((err: unknown) => {
        if (isNotFound(err)) return { uploads: [], isTruncated: false, nextKeyMarker: "", nextUploadIdMarker: "" };
        throw err;
      }),
    );
    for (const upload of page.uploads) {
      if (!upload.key.startsWith(full) || !(upload.initiated < olderThan)) continue;
      const key = upload.key.slice(store.prefix.length);
      const aborted = await call("abort upload of", key, (c) =>
        c.abortMultipartUpload(bucket, upload.key, upload.uploadId),
      ).then(
        () => true,
        (err: unknown) => {
          if (err instanceof StoreRequestError && err.code === "NoSuchUpload") return false; // finished or aborted meanwhile
          throw err;
        },
      );
      if (aborted) removed += 1;
    }
    [truncated, keyMarker, uploadIdMarker] = [page.isTruncated, page.nextKeyMarker, page.nextUploadIdMarker];
  }
  return removed;
}
