import { createHash, randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { IntegrityError } from "../errors.js";
import type { ObjectStore } from "../stores/object-store.js";
import { BlobIndex } from "./blob-index.js";
import { decodeIndexFile, encodeIndexFile, listedEntryBytes, MAX_INDEX_FILE_BYTES } from "./index-file.js";
import type { Format2Keys } from "./keys.js";
import { INDEX_PREFIX, indexFileIdOfKey, indexFileKey, isHexId } from "./layout.js";
import type { WrittenPack } from "./pack-writer.js";

export interface IndexLoaderDeps {
  store: ObjectStore;
  keys: Format2Keys | null;
  /**
   * A directory (a worker's scratch dir) keeping the index files already read, as stored (so
   * encrypted when the repository is), named by their ids: a later load reads only new files. A
   * file that does not hash to its name is read again from the store; files of index files the
   * store no longer lists are removed by each full load. Loads may share it at once.
   */
  cacheDir?: string;
}

/** The repository's index: every blob of every index file, the ids of those files, and which list each pack. */
export interface LoadedIndex {
  index: BlobIndex;
  files: string[];
  /** Pack id → the ids of the index files that list it. */
  listing: Map<string, string[]>;
}

const TEMPORARY = ".tmp";
/** A temporary cache file this old was left by a load that died. @defaultValue 1 hour */
const TEMPORARY_MAX_AGE_MS = 3_600_000;

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

async function fromCache(cacheDir: string | undefined, id: string): Promise<Buffer | undefined> {
  if (cacheDir === undefined) return undefined;
  const data = await readFile(join(cacheDir, id)).catch(() => undefined);
  // A damaged cache file is read again from the store.
  return data !== undefined && sha256(data) === id ? data : undefined;
}

async function toCache(cacheDir: string | undefined, id: string, data: Buffer): Promise<void> {
  if (cacheDir === undefined) return;
  await mkdir(cacheDir, { recursive: true });
  const temporary = join(cacheDir, `.${id}.${randomUUID()}${TEMPORARY}`);
  await writeFile(temporary, data);
  await rename(temporary, join(cacheDir, id));
}

/** The stored bytes of index file `id`, from the cache or the store, checked against the id. */
export async function indexFileBytes(deps: IndexLoaderDeps, id: string): Promise<Buffer> {
  const cached = await fromCache(deps.cacheDir, id);
  if (cached) return cached;
  const key = indexFileKey(id);
  const data = await deps.store.getBuffer(key, MAX_INDEX_FILE_BYTES);
  if (sha256(data) !== id) throw new IntegrityError(key, "index file bytes do not hash to its id");
  await toCache(deps.cacheDir, id, data);
  return data;
}

/** Adds the packs of one index file to `index` (from their entries' bytes when they have them: no object per blob). */
export function addPacks(index: BlobIndex, packs: readonly WrittenPack[]): void {
  for (const pack of packs) {
    index.setPackBytes(pack.id, pack.bytes);
    const bytes = pack.entryBytes ?? listedEntryBytes(pack);
    if (bytes) index.addEntries(pack.id, bytes);
    else for (const entry of pack.entries) index.add(pack.id, entry);
  }
}

/**
 * Index files fetched (or read from the cache) and decoded at once while loading: a repository of
 * hourly snapshots has one or more an hour, each a round trip to the store. @defaultValue 8
 */
export const INDEX_FILES_AT_ONCE = 8;

/**
 * Every index file of the repository (keys `index/<id>`; others are ignored) with the packs it
 * lists, in the listing's order, INDEX_FILES_AT_ONCE read at once. The first file that does not
 * read or decode throws its error (naming its key); the reads begun after it end first.
 */
export async function* readIndexFiles(deps: IndexLoaderDeps): AsyncGenerator<{ id: string; packs: WrittenPack[] }> {
  const reading: Promise<{ id: string; packs: WrittenPack[] }>[] = [];
  try {
    for await (const entry of deps.store.list(INDEX_PREFIX)) {
      const id = indexFileIdOfKey(entry.key);
      if (id === undefined) continue;
      const file = indexFileBytes(deps, id).then((data) => ({
        id,
        packs: decodeIndexFile(deps.keys, entry.key, data),
      }));
      file.catch(() => {}); // thrown when its turn comes
      reading.push(file);
      if (reading.length >= INDEX_FILES_AT_ONCE) yield await (reading.shift() as (typeof reading)[number]);
    }
    for (let file = reading.shift(); file; file = reading.shift()) yield await file;
  } finally {
    await Promise.allSettled(reading); // a failure or a caller that stopped: no read left running
  }
}

/**
 * Removes the cache files of index files not in `listed` (merged or deleted by a prune), and
 * temporary files a dead load left. A file another load adds meanwhile may go too: it is read
 * again from the store when next needed.
 */
async function dropStale(cacheDir: string, listed: readonly string[]): Promise<void> {
  const keep = new Set(listed);
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  const old = Date.now() - TEMPORARY_MAX_AGE_MS;
  for (const name of names) {
    const path = join(cacheDir, name);
    const stale = name.endsWith(TEMPORARY)
      ? ((await stat(path).catch(() => undefined))?.mtimeMs ?? Number.POSITIVE_INFINITY) < old
      : isHexId(name) && !keep.has(name);
    if (stale) await rm(path, { force: true });
  }
}

/** Reads every index file of the repository into one BlobIndex; trims the cache to them. */
export async function loadBlobIndex(deps: IndexLoaderDeps): Promise<LoadedIndex> {
  const index = new BlobIndex();
  const files: string[] = [];
  const listing = new Map<string, string[]>();
  for await (const { id, packs } of readIndexFiles(deps)) {
    addPacks(index, packs);
    files.push(id);
    for (const pack of packs) listing.set(pack.id, [...(listing.get(pack.id) ?? []), id]);
  }
  if (deps.cacheDir !== undefined) await dropStale(deps.cacheDir, files);
  return { index, files, listing };
}

/** Stores an index file listing `packs` (and caches it); resolves with its id (none written for no packs). */
export async function writeIndexFile(
  deps: IndexLoaderDeps,
  packs: readonly WrittenPack[],
): Promise<{ id: string; bytes: number } | undefined> {
  return storeIndexFile(deps, packs.length === 0 ? undefined : encodeIndexFile(deps.keys, packs));
}

/** Stores (and caches) an index file encodeIndexFile made; nothing for none. */
export async function storeIndexFile(
  deps: IndexLoaderDeps,
  file: { id: string; data: Buffer } | undefined,
): Promise<{ id: string; bytes: number } | undefined> {
  if (file === undefined) return undefined;
  const { id, data } = file;
  await deps.store.put(indexFileKey(id), data);
  await toCache(deps.cacheDir, id, data);
  return { id, bytes: data.length };
}
