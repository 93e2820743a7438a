import type { IndexRecord } from "../archive/types.js";
import { ObjectNotFoundError, SnapshotNotFoundError } from "../errors.js";
import { snapshotManifestKey } from "../snapshot/layout.js";
import { MAX_JSON_BYTES } from "../snapshot/read-limits.js";
import { isSnapshotId } from "../snapshot/snapshot-id.js";
import type { SnapshotObject } from "../snapshot/types.js";
import { BlobSource, type BlobSourceDeps } from "./blob-source.js";
import { decodeManifestV2, type SnapshotManifestV2 } from "./manifest.js";
import { type TreeRecord, walkTree } from "./tree-walker.js";

/*
 * Reading a format-2 snapshot gives what format 1's readers give (snapshot-readers.ts): index
 * records and objects. A record's `part` is the rank of the pack holding its YAML among the
 * snapshot's packs sorted by id, so a restore can ask for the objects of a few parts as it does
 * with format 1; objects come pack after pack, each pack fetched once.
 */

export type SnapshotReaderV2Deps = BlobSourceDeps;

/** How many packs a reader of objects fetches ahead of the one it reads (each up to ~16 MiB in memory). */
export const PACKS_AHEAD = 2;

/** snapshot.json of format-2 snapshot `id`; SnapshotNotFoundError when it is not committed. */
export async function readManifestV2(deps: Pick<BlobSourceDeps, "store">, id: string): Promise<SnapshotManifestV2> {
  if (!isSnapshotId(id)) throw new SnapshotNotFoundError(id);
  const data = await deps.store.getBuffer(snapshotManifestKey(id), MAX_JSON_BYTES).catch((err: unknown) => {
    throw err instanceof ObjectNotFoundError ? new SnapshotNotFoundError(id, { cause: err }) : err;
  });
  return decodeManifestV2(id, data);
}

interface PlacedRecord extends TreeRecord {
  pack: string;
  offset: number;
  part: number;
}

/** Every object of the tree with the pack and part holding its YAML. */
async function placedRecords(source: BlobSource, manifest: SnapshotManifestV2): Promise<PlacedRecord[]> {
  const owner = snapshotManifestKey(manifest.id);
  const placed: Omit<PlacedRecord, "part">[] = [];
  for (const item of await walkTree(source, manifest)) {
    const { pack, offset } = source.locate(owner, item.blob, "data");
    placed.push({ ...item, pack, offset });
  }
  const packs = [...new Set(placed.map((p) => p.pack))].sort();
  const parts = new Map(packs.map((pack, part) => [pack, part]));
  return placed.map((p) => ({ ...p, part: parts.get(p.pack) ?? 0 }));
}

/**
 * Reads one committed format-2 snapshot: its tree is walked once, on first use, then its records
 * and objects are read as often as asked (a restore asks for one part at a time, step after step).
 */
export class SnapshotReaderV2 {
  private placed: Promise<PlacedRecord[]> | undefined;

  constructor(
    private readonly deps: SnapshotReaderV2Deps,
    readonly manifest: SnapshotManifestV2,
  ) {}

  /** The index records, in tree order. */
  async *indexRecords(): AsyncGenerator<IndexRecord> {
    for (const { record, part } of await this.records()) yield { ...record, part };
  }

  /** The objects, part after part (pack after pack, in offset order), or only those of the parts in `only`; every blob checked against its id. */
  async *objects(only?: readonly number[]): AsyncGenerator<SnapshotObject> {
    const wanted = only && new Set(only);
    const records = (await this.records()).filter((r) => !wanted || wanted.has(r.part));
    records.sort((a, b) => a.part - b.part || a.offset - b.offset);
    const source = new BlobSource(this.deps);
    const owner = snapshotManifestKey(this.manifest.id);
    const packs = [...new Set(records.map((r) => r.pack))];
    let current: string | undefined;
    let next = 0; // packs[] is in the records' order: the pack after the current one
    for (const { record, blob, part, pack } of records) {
      if (pack !== current) {
        current = pack;
        next += 1;
        source.prefetch(packs.slice(next, next + PACKS_AHEAD)); // fetched while this one is read
      }
      yield { path: record.path, data: await source.blob(owner, blob, "data"), part };
    }
  }

  private records(): Promise<PlacedRecord[]> {
    this.placed ??= placedRecords(new BlobSource(this.deps), this.manifest);
    this.placed.catch(() => {
      this.placed = undefined; // walked again by the next read
    });
    return this.placed;
  }
}

/** The index records of a committed format-2 snapshot, in tree order. */
export function readIndexRecordsV2(
  deps: SnapshotReaderV2Deps,
  manifest: SnapshotManifestV2,
): AsyncGenerator<IndexRecord> {
  return new SnapshotReaderV2(deps, manifest).indexRecords();
}

/**
 * The objects of a committed format-2 snapshot, part after part (pack after pack, in offset
 * order), or only those of the parts in `only`; every blob checked against its id.
 */
export function readSnapshotObjectsV2(
  deps: SnapshotReaderV2Deps,
  manifest: SnapshotManifestV2,
  only?: readonly number[],
): AsyncGenerator<SnapshotObject> {
  return new SnapshotReaderV2(deps, manifest).objects(only);
}
