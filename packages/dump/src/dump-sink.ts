import type { IndexRecord } from "@kubedump/repository/archive";

/** One object's YAML at its archive path, with the resourceVersion it was made from, and its index record. */
export interface DumpEntry {
  path: string;
  data: Buffer;
  resourceVersion?: string;
  /** Its record: sha256 empty, part 0 (a PartsSink's records come later, through addRecords, complete). */
  record: IndexRecord;
}

/**
 * An object whose YAML the repository stored already (DumpReuse.find): its record and blob. The
 * record has no path or part: a format-2 tree keeps neither, and making each unchanged object's
 * path cost a second backup more than it used (docs/benchmarks.md, "Session 2026-12-06 (sixteenth)").
 */
export interface ReusedEntry {
  record: ReusedRecord;
  blob: string;
  resourceVersion: string;
  /** What DumpReuse.find gave to tell it, which it need not look up again. */
  entry?: number;
}

/** An unchanged object's record: an index record without the path and part it is not stored at. */
export type ReusedRecord = Omit<IndexRecord, "path" | "part">;

/** A stored YAML DumpReuse.find found: its blob, sha256, bytes, and its entry to pass back to add. */
export interface ReusedBlob {
  blob: string;
  sha256: string;
  bytes: number;
  entry?: number;
}

/**
 * Reuse by identity (docs/decisions.md): an object listed with the type, uid and resourceVersion
 * it had in the last snapshot of the same scope and options has the YAML that snapshot stored, and
 * is neither serialized nor stored again.
 */
export interface DumpReuse {
  /** The stored YAML's blob, sha256 and bytes, when this object is unchanged and the repository has it. */
  find(
    record: Pick<IndexRecord, "group" | "version" | "resource" | "uid">,
    resourceVersion: string,
  ): ReusedBlob | undefined;
  /** Adds unchanged objects (records complete but for part) to the snapshot. */
  add(entries: readonly ReusedEntry[]): void;
}

/**
 * Where format 1's dumped objects go: the archive parts and the index (see @kubedump/repository),
 * a page of objects at a time. `addObjects` resolves with the part that holds each object, for
 * its record; the records follow once their digests are computed (RecordQueue).
 */
export interface PartsSink {
  addObjects(entries: readonly DumpEntry[]): Promise<number[]>;
  addRecords(records: readonly IndexRecord[]): Promise<void>;
}

/**
 * Where format 2's dumped objects go: a page's objects with their records at once. The sink
 * hashes each object's YAML itself (the digest is its blob id): records come with an empty
 * sha256, and no digest is computed for it. `digest` starts that off the serializing thread;
 * its result comes back to addPage with the same page, pages in order (RecordQueue.addPage).
 */
export interface PageSink<D = unknown> {
  digest(entries: readonly DumpEntry[]): Promise<D>;
  addPage(entries: readonly DumpEntry[], digests: D): Promise<void>;
}

export type DumpSink = PartsSink | PageSink;
