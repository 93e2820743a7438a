import { hash } from "node:crypto";
import type { IndexRecord } from "../archive/types.js";
import type { ObjectCodec } from "../crypto/codec.js";
import { IntegrityError, ObjectLockedError, ObjectNotFoundError } from "../errors.js";
import { snapshotIndexKey, snapshotManifestKey, snapshotPrefix } from "../snapshot/layout.js";
import { decodeManifest } from "../snapshot/manifest-codec.js";
import { MAX_JSON_BYTES } from "../snapshot/read-limits.js";
import { readIndexRecords, readSnapshotObjects } from "../snapshot/snapshot-readers.js";
import type { SnapshotManifest } from "../snapshot/types.js";
import type { ObjectStore } from "../stores/object-store.js";
import type { BlobIndex } from "./blob-index.js";
import type { Format2Keys } from "./keys.js";
import type { RepositoryLock } from "./lock.js";
import { parseJsonFile, type SnapshotDraftV2, type SnapshotManifestV2 } from "./manifest.js";
import { readManifestV2, SnapshotReaderV2 } from "./snapshot-reader.js";
import { encodeManifestV2, SnapshotWriterV2 } from "./snapshot-writer.js";
import type { ObjectRecord } from "./tree-builder.js";

/*
 * One format-1 snapshot converted in place (docs/format.md, "Migrating a format-1 repository"):
 *   1. its objects are read through format 1's readers and written as blobs, tree and index file;
 *   2. its format-1 snapshot.json is copied to format1-snapshot.json beside it;
 *   3. snapshot.json is replaced by the format-2 one (one put: the per-snapshot commit);
 *   4. every object is read back through format 2's reader and checked against format 1's index;
 *   5. parts, index.json.gz and the copy are deleted, the copy last.
 * Killed before 3, snapshot.json is format 1's and its parts are whole; after 3, the format-2
 * snapshot's blobs are stored and its format-1 files wait for step 4 of the next run.
 */

/** Beside a snapshot.json being replaced: the format-1 one, until its parts are deleted. */
export function format1CopyKey(id: string): string {
  return `${snapshotPrefix(id)}format1-snapshot.json`;
}

export interface MigrateSnapshotDeps {
  store: ObjectStore;
  codec: ObjectCodec;
  keys: Format2Keys | null;
  /** The repository's blobs; the writer adds what it stores, so later snapshots reuse them. */
  index: BlobIndex;
  lock: RepositoryLock;
  packTargetBytes?: number;
  /** Called after each object read from format 1. */
  onObject?: () => void;
}

/** What was deleted of a snapshot's format-1 files. */
export interface DeletedFiles {
  keys: number;
  /** Of all its format-1 files. */
  bytes: number;
  /** Files S3 Object Lock still retains: this one and those after it stay until a later run. */
  retained: number;
}

const FORMAT1_ONLY = ["formatVersion", "parts", "index", "counts", "objects", "bytes", "storedBytes"];

/** Every field of a format-1 snapshot.json that format 2 keeps (time, source, scope, params, warnings, any other). */
function draftOf(id: string, data: Buffer): SnapshotDraftV2 {
  const fields = { ...parseJsonFile(snapshotManifestKey(id), data).value };
  for (const name of FORMAT1_ONLY) delete fields[name];
  return fields as unknown as SnapshotDraftV2;
}

/** path → sha256 of a format-1 snapshot's index records. */
async function indexHashes(deps: MigrateSnapshotDeps, manifest: SnapshotManifest) {
  const records = new Map<string, ObjectRecord>();
  for await (const record of readIndexRecords(deps, manifest)) records.set(record.path, stripped(record));
  if (records.size !== manifest.objects)
    throw new IntegrityError(
      manifest.index.key,
      `${records.size} distinct paths, snapshot.json counts ${manifest.objects}`,
    );
  return records;
}

function stripped({ path: _path, part: _part, ...record }: IndexRecord): ObjectRecord {
  return record;
}

function sameCounts(v1: SnapshotManifest, v2: SnapshotManifestV2): boolean {
  const [a, b] = [Object.entries(v1.counts).sort(), Object.entries(v2.counts).sort()];
  return v1.objects === v2.objects && v1.bytes === v2.bytes && JSON.stringify(a) === JSON.stringify(b);
}

/** Adds the objects of format-1 snapshot `manifest` to `writer` and seals it (SnapshotWriterV2.seal). */
async function sealAll(
  writer: SnapshotWriterV2,
  deps: MigrateSnapshotDeps,
  manifest: SnapshotManifest,
  records: Map<string, ObjectRecord>,
  data: Buffer,
): Promise<SnapshotManifestV2> {
  const seen = new Set<string>();
  for await (const object of readSnapshotObjects(deps, manifest)) {
    const record = records.get(object.path);
    if (!record || seen.has(object.path))
      throw new IntegrityError(manifest.index.key, `${object.path} of part ${object.part} is not in the index once`);
    seen.add(object.path);
    await writer.add([{ record, data: object.data }]);
    deps.onObject?.();
  }
  if (seen.size !== records.size)
    throw new IntegrityError(manifest.index.key, `${records.size - seen.size} indexed objects are in no part`);
  return writer.seal(draftOf(manifest.id, data));
}

/** Steps 1–5 for the format-1 snapshot whose snapshot.json is `data`; errors leave snapshot.json format 1's. */
export async function migrateSnapshot(deps: MigrateSnapshotDeps, data: Buffer, manifest: SnapshotManifest) {
  const { id } = manifest;
  const records = await indexHashes(deps, manifest);
  const writer = new SnapshotWriterV2({ ...deps, packTargetBytes: deps.packTargetBytes });
  const v2 = await sealAll(writer, deps, manifest, records, data).finally(() => writer.abort());
  if (!sameCounts(manifest, v2))
    throw new IntegrityError(snapshotManifestKey(id), "its counts, objects or bytes differ from its objects'");
  deps.lock.check();
  await deps.store.put(format1CopyKey(id), data);
  await deps.store.put(snapshotManifestKey(id), encodeManifestV2(v2));
  return finishSnapshot(deps, id);
}

async function optional(store: ObjectStore, key: string): Promise<Buffer | undefined> {
  return store.getBuffer(key, MAX_JSON_BYTES).catch((err: unknown) => {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  });
}

/**
 * Steps 4 and 5 for snapshot `id`, whose snapshot.json is format 2's: every object read back (each
 * blob checked against its id, and against format 1's index while copy and index are there), then
 * its format-1 files deleted. When that check fails, the format-1 snapshot.json is put back (its
 * files are all there then), so the snapshot stays readable as format 1, and the error is thrown.
 */
export async function finishSnapshot(deps: MigrateSnapshotDeps, id: string): Promise<DeletedFiles> {
  const { store } = deps;
  const v2 = await readManifestV2(deps, id);
  const copy = await optional(store, format1CopyKey(id));
  const checked = copy && (await store.stat(snapshotIndexKey(id))) ? copy : undefined;
  try {
    await readBack(deps, v2, checked);
  } catch (err) {
    if (checked) await store.put(snapshotManifestKey(id), checked);
    throw err;
  }
  deps.lock.check();
  const keys: string[] = [];
  let bytes = 0;
  for await (const entry of store.list(snapshotPrefix(id))) {
    if (entry.key === snapshotManifestKey(id)) continue;
    keys.push(entry.key);
    bytes += entry.size;
  }
  // parts first, then index.json.gz, then the copy: while the copy is there, the index is too or was checked
  const last = [snapshotIndexKey(id), format1CopyKey(id)];
  keys.sort((a, b) => last.indexOf(a) - last.indexOf(b));
  const deleted = { keys: 0, bytes, retained: 0 };
  for (const key of keys) {
    try {
      await store.delete(key);
      deleted.keys += 1;
    } catch (err) {
      if (!(err instanceof ObjectLockedError)) throw err;
      deleted.retained += 1; // S3 Object Lock keeps it; the next run tries again
      break; // the copy must outlive what it guards
    }
  }
  return deleted;
}

/** Every object of `v2` read back; with `copy` (format 1's snapshot.json), checked against its index. */
async function readBack(deps: MigrateSnapshotDeps, v2: SnapshotManifestV2, copy: Buffer | undefined) {
  const owner = snapshotManifestKey(v2.id);
  const expected = copy && (await indexHashes(deps, decodeManifest(format1CopyKey(v2.id), v2.id, copy)));
  let count = 0;
  for await (const object of new SnapshotReaderV2(deps, v2).objects()) {
    count += 1;
    if (!expected) continue;
    const sha256 = hash("sha256", object.data);
    if (expected.get(object.path)?.sha256 !== sha256)
      throw new IntegrityError(owner, `read back, ${object.path} differs from the format-1 snapshot's`);
    expected.delete(object.path);
  }
  if (count !== v2.objects)
    throw new IntegrityError(owner, `read back ${count} objects, snapshot.json counts ${v2.objects}`);
  const [missing] = expected?.keys() ?? [];
  if (missing !== undefined)
    throw new IntegrityError(owner, `read back, ${missing} of the format-1 snapshot is missing`);
}
