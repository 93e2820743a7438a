import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { Digest, IndexFile, PartFile } from "../archive/types.js";
import { type ObjectCodec, plainCodec } from "../crypto/codec.js";
import { IntegrityError, SnapshotExistsError } from "../errors.js";
import { type RetryPolicy, withRetry } from "../retry.js";
import type { ObjectStore } from "../stores/object-store.js";
import { isTransientStoreError } from "../stores/s3-errors.js";
import { DigestStream } from "./digest-stream.js";
import { snapshotIndexKey, snapshotManifestKey, snapshotPartKey } from "./layout.js";
import { encodeJson } from "./manifest-codec.js";
import { isSnapshotId } from "./snapshot-id.js";
import type { SnapshotManifest, SnapshotManifestDraft, SnapshotPart } from "./types.js";

export interface CommitSnapshotInput {
  manifest: SnapshotManifestDraft;
  /** From PartWriter.finish(): parts 0..n-1. */
  partFiles: PartFile[];
  /** From IndexWriter.finish(). */
  indexFile: IndexFile;
}

interface UploadDeps {
  store: ObjectStore;
  codec: ObjectCodec;
  /** Retries of a whole file upload, read again from the scratch file (the store retries single requests). */
  retry: RetryPolicy;
}

/** A file upload is tried again, from the scratch file, after the store gave up on a transient failure. */
export const DEFAULT_UPLOAD_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 };

function checkInput({ manifest, partFiles, indexFile }: CommitSnapshotInput): void {
  if (!isSnapshotId(manifest.id)) throw new TypeError(`commitSnapshot: not a snapshot id: "${manifest.id}"`);
  partFiles.forEach((part, i) => {
    if (part.n !== i)
      throw new TypeError(`commitSnapshot: part ${i} is numbered ${part.n}; parts must be 0..n-1 in order`);
  });
  const inParts = partFiles.reduce((sum, p) => sum + p.objects, 0);
  if (inParts !== manifest.objects || indexFile.records !== manifest.objects) {
    throw new TypeError(
      `commitSnapshot: manifest counts ${manifest.objects} objects, parts hold ${inParts}, index holds ${indexFile.records}`,
    );
  }
}

/**
 * Streams a scratch file through the codec into the store. Returns the stored bytes' digest;
 * fails if the file no longer matches the digest its writer reported. A store that adopts the
 * file itself (unencrypted, same filesystem) stores exactly the bytes the writer hashed, so
 * there is nothing to read back: `kubedump verify` checks stored files against the manifest.
 */
async function uploadFileOnce(
  { store, codec }: UploadDeps,
  key: string,
  file: string,
  written: Digest,
): Promise<Digest> {
  if (codec === plainCodec && (await store.adoptFile?.(key, file))) return written;
  const plain = new DigestStream();
  // Stored as they are, the bytes need hashing once.
  const stored = codec === plainCodec ? plain : new DigestStream();
  try {
    const read =
      codec === plainCodec
        ? pipeline(createReadStream(file), plain)
        : pipeline(createReadStream(file), plain, codec.encoder(key), stored);
    await Promise.all([read, store.put(key, stored)]);
  } catch (err) {
    stored.destroy();
    throw err;
  }
  const read = plain.result();
  if (read.bytes !== written.bytes || read.sha256 !== written.sha256) {
    throw new IntegrityError(key, `scratch file ${file} changed after it was written`);
  }
  return stored.result();
}

function uploadFile(deps: UploadDeps, key: string, file: string, written: Digest): Promise<Digest> {
  return withRetry(deps.retry, isTransientStoreError, () => uploadFileOnce(deps, key, file, written));
}

/**
 * The parts (one after another) and, alongside them, the index; then snapshot.json: until that
 * last put the snapshot does not exist.
 */
export async function uploadSnapshot(deps: UploadDeps, input: CommitSnapshotInput): Promise<SnapshotManifest> {
  checkInput(input);
  const { id } = input.manifest;
  const markerKey = snapshotManifestKey(id);
  if (await deps.store.stat(markerKey)) throw new SnapshotExistsError(id);
  const uploadParts = async () => {
    const done: SnapshotPart[] = [];
    for (const part of input.partFiles) {
      const key = snapshotPartKey(id, part.n);
      const { bytes, sha256 } = await uploadFile(deps, key, part.file, part);
      done.push({ n: part.n, key, objects: part.objects, bytes, sha256 });
    }
    return done;
  };
  const indexKey = snapshotIndexKey(id);
  // Settled both before failing, so no upload goes on after the commit failed.
  const [partsDone, indexDone] = await Promise.allSettled([
    uploadParts(),
    uploadFile(deps, indexKey, input.indexFile.file, input.indexFile),
  ]);
  if (partsDone.status === "rejected") throw partsDone.reason;
  if (indexDone.status === "rejected") throw indexDone.reason;
  const parts = partsDone.value;
  const index = indexDone.value;
  const storedBytes = parts.reduce((sum, p) => sum + p.bytes, index.bytes);
  const manifest: SnapshotManifest = {
    ...input.manifest,
    storedBytes,
    parts,
    index: { key: indexKey, records: input.indexFile.records, bytes: index.bytes, sha256: index.sha256 },
  };
  await deps.store.put(markerKey, encodeJson(manifest));
  return manifest;
}
