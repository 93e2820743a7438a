import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { IntegrityError } from "../errors.js";
import type { ObjectStore } from "../stores/object-store.js";
import { BlobIndex } from "./blob-index.js";
import { decodeIndexFile, encodeIndexFile, MAX_INDEX_FILE_BYTES } from "./index-file.js";
import type { Format2Keys } from "./keys.js";
import { INDEX_PREFIX, indexFileIdOfKey, indexFileKey } from "./layout.js";
import type { WrittenPack } from "./pack-writer.js";

export interface IndexLoaderDeps {
  store: ObjectStore;
  keys: Format2Keys | null;
  /**
   * A directory (a worker's scratch dir) keeping the index files already read, as stored (so
   * encrypted when the repository is), named by their ids: a later load reads only new files.
   */
  cacheDir?: string;
}

/** The repository's index: every blob of every index file, and the ids of those files. */
export interface LoadedIndex {
  index: BlobIndex;
  files: string[];
}

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
  const temporary = join(cacheDir, `.${id}.${process.pid}.tmp`);
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

/** Adds the packs of one index file to `index`. */
export function addPacks(index: BlobIndex, packs: readonly WrittenPack[]): void {
  for (const pack of packs) {
    index.setPackBytes(pack.id, pack.bytes);
    for (const entry of pack.entries) index.add(pack.id, entry);
  }
}

/** Every index file of the repository (keys `index/<id>`; others are ignored) with the packs it lists. */
export async function* readIndexFiles(deps: IndexLoaderDeps): AsyncGenerator<{ id: string; packs: WrittenPack[] }> {
  for await (const entry of deps.store.list(INDEX_PREFIX)) {
    const id = indexFileIdOfKey(entry.key);
    if (id === undefined) continue;
    yield { id, packs: decodeIndexFile(deps.keys, entry.key, await indexFileBytes(deps, id)) };
  }
}

/** Reads every index file of the repository into one BlobIndex. */
export async function loadBlobIndex(deps: IndexLoaderDeps): Promise<LoadedIndex> {
  const index = new BlobIndex();
  const files: string[] = [];
  for await (const { id, packs } of readIndexFiles(deps)) {
    addPacks(index, packs);
    files.push(id);
  }
  return { index, files };
}

/** Stores an index file listing `packs`; resolves with its id (none written for no packs). */
export async function writeIndexFile(
  deps: Omit<IndexLoaderDeps, "cacheDir">,
  packs: readonly WrittenPack[],
): Promise<{ id: string; bytes: number } | undefined> {
  if (packs.length === 0) return undefined;
  const { id, data } = encodeIndexFile(deps.keys, packs);
  await deps.store.put(indexFileKey(id), data);
  return { id, bytes: data.length };
}
