import { hash } from "node:crypto";
import type { IndexRecord } from "../archive/types.js";
import { RepositoryFormatError } from "../errors.js";
import type { SnapshotScan } from "../snapshot/snapshot-scan.js";
import { type DownloadResult, writeTree } from "../snapshot/download.js";
import type { ForgetOptions, ForgetResult, RetentionPolicy } from "../snapshot/forget.js";
import type { StoredCheckReport } from "../snapshot/check-stored.js";
import { progressCounter, type ReadProgressOptions, type VerifyReadOptions } from "../snapshot/read-progress.js";
import type { DeleteSnapshotResult, ReadObjectsOptions, Repository } from "../snapshot/repository.js";
import type { CommitSnapshotInput } from "../snapshot/snapshot-upload.js";
import type { SweepOptions, SweepResult } from "../snapshot/sweep.js";
import type { SnapshotManifest, SnapshotObject, UnfinishedSnapshot } from "../snapshot/types.js";
import type { VerifyReport } from "../snapshot/verify-snapshot.js";

/** One object of a moment: its index record (part 0) and its YAML. */
export interface MomentObject {
  record: Omit<IndexRecord, "part" | "sha256" | "bytes">;
  data: Buffer;
}

/** The state of a scope at one moment, as a snapshot: `manifest.id` names it among the repository's snapshots. */
export interface Moment {
  /** id, time, scope and params; counts, objects and bytes are computed from `objects`. */
  manifest: Pick<SnapshotManifest, "id" | "time" | "source" | "cluster" | "scope" | "params" | "warnings">;
  objects: MomentObject[];
}

interface HeldMoment {
  manifest: SnapshotManifest;
  records: IndexRecord[];
  data: Map<string, Buffer>;
}

function hold(moment: Moment): HeldMoment {
  const counts: Record<string, number> = {};
  const records: IndexRecord[] = [];
  const data = new Map<string, Buffer>();
  let bytes = 0;
  for (const { record, data: yaml } of moment.objects) {
    if (data.has(record.path)) throw new RepositoryFormatError(moment.manifest.id, `two objects at ${record.path}`);
    const type = record.group === "" ? record.resource : `${record.resource}.${record.group}`;
    counts[type] = (counts[type] ?? 0) + 1;
    const sha256 = hash("sha256", yaml);
    records.push({ ...record, sha256, bytes: yaml.length, part: 0 });
    data.set(record.path, yaml);
    bytes += yaml.length;
  }
  records.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const manifest: SnapshotManifest = {
    ...moment.manifest,
    formatVersion: 2,
    completedAt: moment.manifest.time,
    counts,
    objects: records.length,
    bytes,
    storedBytes: 0,
    parts: [],
    index: { key: "", records: records.length, bytes: 0, sha256: "" },
  };
  return { manifest, records, data };
}

/**
 * A repository with moments (states of a journal's scope at given times, see stateAt) readable as
 * snapshots beside its own: getSnapshot, readIndex, readObjects, download and verify of a moment's
 * id read it from memory (its YAML was checked against its blob ids when read), every other call
 * goes to `base`. So download, diff and restore read a moment through the path they read a
 * snapshot through. A moment is never listed, and cannot be deleted.
 */
export class MomentRepository implements Repository {
  private readonly moments = new Map<string, HeldMoment>();

  constructor(
    private readonly base: Repository,
    moments: readonly Moment[],
  ) {
    for (const moment of moments) this.moments.set(moment.manifest.id, hold(moment));
  }

  get encrypted(): boolean {
    return this.base.encrypted;
  }

  commitSnapshot(input: CommitSnapshotInput): Promise<SnapshotManifest> {
    return this.base.commitSnapshot(input);
  }

  listSnapshots(): Promise<SnapshotManifest[]> {
    return this.base.listSnapshots();
  }

  scanSnapshots(): Promise<SnapshotScan> {
    return this.base.scanSnapshots();
  }

  async getSnapshot(id: string): Promise<SnapshotManifest> {
    return this.moments.get(id)?.manifest ?? this.base.getSnapshot(id);
  }

  readIndex(id: string): AsyncIterable<IndexRecord> {
    const moment = this.moments.get(id);
    return moment ? fromArray(moment.records) : this.base.readIndex(id);
  }

  readObjects(id: string, options: ReadObjectsOptions = {}): AsyncIterable<SnapshotObject> {
    const moment = this.moments.get(id);
    if (!moment) return this.base.readObjects(id, options);
    const wanted = options.objects ? new Set(options.objects.map((r) => r.path)) : undefined;
    const parts = options.objects ? undefined : options.parts;
    const records = moment.records.filter((r) => (wanted ? wanted.has(r.path) : parts ? parts.includes(0) : true));
    return fromArray(records.map((r) => ({ path: r.path, data: moment.data.get(r.path) as Buffer, part: 0 })));
  }

  async download(id: string, toDir: string, options?: ReadProgressOptions): Promise<DownloadResult> {
    const moment = this.moments.get(id);
    if (!moment) return this.base.download(id, toDir, options);
    return writeTree(this.readObjects(id), toDir, progressCounter(moment.manifest, options));
  }

  async deleteSnapshot(id: string): Promise<DeleteSnapshotResult> {
    if (this.moments.has(id)) throw new TypeError(`${id} is a moment of the journal, not a snapshot`);
    return this.base.deleteSnapshot(id);
  }

  listUnfinished(): Promise<UnfinishedSnapshot[]> {
    return this.base.listUnfinished();
  }

  sweepUnfinished(options?: SweepOptions): Promise<SweepResult> {
    return this.base.sweepUnfinished(options);
  }

  forget(policy: RetentionPolicy, options?: ForgetOptions): Promise<ForgetResult> {
    return this.base.forget(policy, options);
  }

  /** A moment's objects were checked against their blob ids when read: it is whole. */
  async verify(id: string, options?: VerifyReadOptions): Promise<VerifyReport> {
    const moment = this.moments.get(id);
    if (!moment) return this.base.verify(id, options);
    const n = moment.records.length;
    return { id, ok: true, partsOk: 0, parts: 0, objectsOk: n, objects: n, problems: [] };
  }

  async checkStored(id: string): Promise<StoredCheckReport> {
    if (!this.moments.has(id)) return this.base.checkStored(id);
    return { id, ok: true, files: 0, filesOk: 0, problems: [] };
  }
}

async function* fromArray<T>(items: readonly T[]): AsyncIterable<T> {
  yield* items;
}
