import { IntegrityError, ObjectNotFoundError, RepositoryFormatError, SnapshotNotFoundError } from "../errors.js";
import type { ObjectStore } from "../stores/object-store.js";
import { storedFileProblems } from "./check-stored.js";
import { byTime } from "./snapshot-order.js";
import type { ManifestCache } from "./manifest-cache.js";
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

/** A listed snapshot whose stored files the listing shows missing or of another size than snapshot.json records. */
export interface MismatchedSnapshot {
  id: string;
  /** One line per file, naming its key (as checkStored words them). */
  problems: string[];
}

export interface SnapshotScan {
  /** Readable committed snapshots, oldest first. */
  snapshots: SnapshotManifest[];
  /** Committed snapshots whose snapshot.json failed to read, oldest first. */
  unreadable: UnreadableSnapshot[];
  /** Readable snapshots whose parts or index the listing shows missing or truncated (no data is read). */
  mismatched: MismatchedSnapshot[];
}

const LIST_CONCURRENCY = 8;

/** `fn` over `items`, at most `limit` at a time; results in the order of `items`. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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

export interface ScanOptions {
  /** Snapshot.json files listed with the key, size and time of one read before are not read again. */
  cache?: ManifestCache;
  /** Reads one snapshot.json: format 1's by default; format 2 passes its own. */
  read?: (id: string) => Promise<SnapshotManifest>;
  /** Whether each snapshot's parts and index are checked against the listing (format 1 only: format 2's packs are shared). */
  checkFiles?: boolean;
}

/**
 * Every committed snapshot of the store, read from its snapshot.json (never encrypted, so this
 * needs neither the password nor a readable repository.json). A snapshot.json that fails to read
 * is reported and the scan goes on; so, with `checkFiles` (the default), is a part or index the
 * listing shows missing or of another size than recorded (one listing of snapshots/, no data
 * read). A store that fails throws.
 */
export async function scanSnapshots(store: ObjectStore, options: ScanOptions = {}): Promise<SnapshotScan> {
  const { cache, read: readOne = (id: string) => readManifest(store, id), checkFiles = true } = options;
  const ids: string[] = [];
  const listed = new Map<string, { size: number; mtime?: Date }>();
  for await (const { key, size, mtime } of store.list(SNAPSHOTS_PREFIX)) {
    listed.set(key, mtime ? { size, mtime } : { size });
    const id = snapshotIdOfKey(key);
    if (id !== undefined && key === snapshotManifestKey(id)) ids.push(id);
  }
  ids.sort();
  cache?.retainKeys(new Set(ids.map(snapshotManifestKey)));
  type Read = { manifest?: SnapshotManifest; unreadable?: UnreadableSnapshot };
  const read = await mapLimit(ids, LIST_CONCURRENCY, (id) => {
    const key = snapshotManifestKey(id);
    const entry = listed.get(key);
    const cached = entry && cache?.get(key, entry.size, entry.mtime);
    if (cached) return Promise.resolve<Read>({ manifest: cached });
    return readOne(id).then(
      (manifest): Read => {
        if (entry) cache?.set(key, entry.size, entry.mtime, manifest);
        return { manifest };
      },
      (err: unknown): Read => {
        if (err instanceof SnapshotNotFoundError) return {}; // deleted while listing
        if (err instanceof RepositoryFormatError || err instanceof IntegrityError)
          return { unreadable: { id, key, error: err } };
        throw err;
      },
    );
  });
  // Oldest first by time: ids order by the second only (byTime).
  const snapshots = byTime(read.flatMap((r) => (r.manifest ? [r.manifest] : [])));
  const mismatched: MismatchedSnapshot[] = [];
  for (const manifest of checkFiles ? snapshots : []) {
    const problems = await storedFileProblems(manifest, (key) => listed.get(key)?.size);
    if (problems.length) mismatched.push({ id: manifest.id, problems });
  }
  return { snapshots, unreadable: read.flatMap((r) => (r.unreadable ? [r.unreadable] : [])), mismatched };
}
