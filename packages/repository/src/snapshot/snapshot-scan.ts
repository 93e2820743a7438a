import { IntegrityError, ObjectNotFoundError, RepositoryFormatError, SnapshotNotFoundError } from "../errors.js";
import type { ObjectStore } from "../stores/object-store.js";
import { SNAPSHOTS_PREFIX, snapshotIdOfKey, snapshotManifestKey } from "./layout.js";
import { decodeManifest } from "./manifest-codec.js";
import { MAX_JSON_BYTES } from "./read-limits.js";
import { isSnapshotId } from "./snapshot-id.js";
import type { SnapshotManifest } from "./types.js";

/** A committed snapshot whose snapshot.json cannot be read: damaged, truncated, forged or of another format. */
export interface UnreadableSnapshot {
  id: string;
  /** The snapshot.json key. */
  key: string;
  /** The error, which names the key and the problem (a RepositoryFormatError or IntegrityError). */
  error: Error;
}

export interface SnapshotScan {
  /** Readable committed snapshots, oldest first. */
  snapshots: SnapshotManifest[];
  /** Committed snapshots whose snapshot.json failed to read, oldest first. */
  unreadable: UnreadableSnapshot[];
}

const LIST_CONCURRENCY = 8;

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The snapshot.json of `id`; SnapshotNotFoundError when it is not committed (or not an id). */
export async function readManifest(store: ObjectStore, id: string): Promise<SnapshotManifest> {
  if (!isSnapshotId(id)) throw new SnapshotNotFoundError(id);
  const key = snapshotManifestKey(id);
  const data = await store.getBuffer(key, MAX_JSON_BYTES).catch((err: unknown) => {
    throw err instanceof ObjectNotFoundError ? new SnapshotNotFoundError(id, { cause: err }) : err;
  });
  return decodeManifest(key, id, data);
}

/**
 * Every committed snapshot of the store, read from its snapshot.json (never encrypted, so this
 * needs neither the password nor a readable repository.json). A snapshot.json that fails to read
 * is reported and the scan goes on; a store that fails throws.
 */
export async function scanSnapshots(store: ObjectStore): Promise<SnapshotScan> {
  const ids: string[] = [];
  for await (const { key } of store.list(SNAPSHOTS_PREFIX)) {
    const id = snapshotIdOfKey(key);
    if (id !== undefined && key === snapshotManifestKey(id)) ids.push(id);
  }
  ids.sort();
  type Read = { manifest?: SnapshotManifest; unreadable?: UnreadableSnapshot };
  const read = await mapLimit(ids, LIST_CONCURRENCY, (id) =>
    readManifest(store, id).then(
      (manifest): Read => ({ manifest }),
      (err: unknown): Read => {
        if (err instanceof SnapshotNotFoundError) return {}; // deleted while listing
        if (err instanceof RepositoryFormatError || err instanceof IntegrityError)
          return { unreadable: { id, key: snapshotManifestKey(id), error: err } };
        throw err;
      },
    ),
  );
  return {
    snapshots: read.flatMap((r) => (r.manifest ? [r.manifest] : [])),
    unreadable: read.flatMap((r) => (r.unreadable ? [r.unreadable] : [])),
  };
}
