import { BlobSource } from "../format2/blob-source.js";
import { loadBlobIndex } from "../format2/index-loader.js";
import type { Format2Keys } from "../format2/keys.js";
import type { ObjectStore } from "../stores/object-store.js";
import { type JournalScope, parseSegmentKey, type SegmentInfo, scopeIdOf, scopePrefix } from "./layout.js";
import { type JournalChange, type JournalRecord, type ObjectRef, objectKey } from "./records.js";
import { type JournalSlice, overlaps, sliceOf, type TimeRange } from "./journal-slice.js";
import { decodeSegment, inTimeOrder, MAX_SEGMENT_BYTES } from "./segment-format.js";
import { eachAnchorObject, findAnchor, type JournalAnchor, type JournalState, stateAt } from "./state-at.js";

export interface JournalReaderOptions {
  store: ObjectStore;
  keys: Format2Keys | null;
  scope: JournalScope;
}

/**
 * Reads the journal of one scope: its segments, their changes in time order, the state at a
 * moment (state-at.ts) and one object's history. Every segment read is checked (segment-format.ts).
 */
export class JournalReader {
  readonly scopeId: string;
  private source: Promise<BlobSource> | undefined;

  constructor(private readonly options: JournalReaderOptions) {
    this.scopeId = scopeIdOf(options.keys, options.scope);
  }

  /** The scope's segments overlapping `range`, by start time. */
  async listSegments(range: TimeRange = {}): Promise<SegmentInfo[]> {
    const found: SegmentInfo[] = [];
    for await (const entry of this.options.store.list(scopePrefix(this.scopeId))) {
      const info = parseSegmentKey(entry.key);
      if (info && overlaps(info.start, info.end, range)) found.push(info);
    }
    return found.sort((a, b) => a.start - b.start || a.end - b.end || (a.id < b.id ? -1 : 1));
  }

  /** The records of one segment, in time order. */
  async readSegment(info: SegmentInfo): Promise<JournalRecord[]> {
    const data = await this.options.store.getBuffer(info.key, MAX_SEGMENT_BYTES);
    return decodeSegment(this.options.keys, info, data).records;
  }

  /** Every record of the segments overlapping `range`, merged in time order (segments' order for equal times). */
  async records(range: TimeRange = {}): Promise<JournalRecord[]> {
    const all: JournalRecord[] = [];
    for (const info of await this.listSegments(range)) all.push(...(await this.readSegment(info)));
    return inTimeOrder(all);
  }

  /**
   * Calls `visit` with every change inside `range`, reading one segment at a time (so the
   * journal is never in memory whole): segment after segment by start, each in its own order, so
   * not in time order across overlapping segments. With each change come the segment's number
   * (0, 1, ... in that order) and the record's index in it: ordered by (time, segment, index),
   * the changes are in the order `records` and `slice` give, which stateAt replays them in.
   */
  async eachChange(
    range: TimeRange,
    visit: (change: JournalChange, segment: number, index: number) => void,
  ): Promise<void> {
    let segment = 0;
    for (const info of await this.listSegments(range)) {
      const records = await this.readSegment(info);
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as JournalRecord;
        if (record.type !== "change" || !overlaps(record.time, record.time, range)) continue;
        const { type: _, ...change } = record;
        visit(change, segment, i);
      }
      segment++;
    }
  }

  /** The changes inside `range`, in time order, and the gaps overlapping it. */
  async slice(range: TimeRange = {}): Promise<JournalSlice> {
    return sliceOf(await this.records(range), range);
  }

  /**
   * Every recorded change of the object `ref` names (any version and uid: deletions and
   * re-creations too), and every gap of the journal: changes of it may hide in any of them.
   */
  async objectHistory(ref: Pick<ObjectRef, "group" | "resource" | "namespace" | "name">): Promise<JournalSlice> {
    const key = objectKey(ref);
    const { changes, gaps } = await this.slice();
    return { changes: changes.filter((c) => objectKey(c.ref) === key), gaps };
  }

  /** The objects of the scope at `time` (see state-at.ts). */
  async stateAt(time: number): Promise<JournalState> {
    return stateAt({ ...this.options, scopeId: this.scopeId, records: (range) => this.records(range) }, time);
  }

  /** The snapshot the state at `time` starts from (see state-at.ts); undefined when the scope has no snapshot. */
  async anchorAt(time: number): Promise<JournalAnchor | undefined> {
    return findAnchor({ ...this.options, scopeId: this.scopeId }, time);
  }

  /** Calls `visit` with each object of `anchor` (from anchorAt): its ref and blob id. */
  async eachAnchorObject(anchor: JournalAnchor, visit: (ref: ObjectRef, blob: string) => void): Promise<void> {
    return eachAnchorObject({ ...this.options, scopeId: this.scopeId }, anchor, visit);
  }

  /** The YAML of blob `id` (a change's or a state object's blob), checked against its id. */
  async readBlob(id: string): Promise<Buffer> {
    return this.withSource((source) => source.blob(this.owner, id, "data"));
  }

  /**
   * Calls `use` with the YAML of each blob of `ids` (a state's objects, say), pack after pack, so
   * each pack is fetched once however many objects it holds.
   */
  async eachBlob(ids: Iterable<string>, use: (id: string, data: Buffer) => void): Promise<void> {
    return this.withSource((source) => source.eachBlob(this.owner, ids, "data", use));
  }

  private get owner(): string {
    return `journal of scope ${this.scopeId}`;
  }

  /** Runs `read` over a BlobSource on the index as first loaded; a failure drops it, so the next read loads the index again (a prune may have moved blobs). */
  private async withSource<T>(read: (source: BlobSource) => Promise<T>): Promise<T> {
    this.source ??= loadBlobIndex(this.options).then(({ index }) => new BlobSource({ ...this.options, index }));
    try {
      return await read(await this.source);
    } catch (err) {
      this.source = undefined;
      throw err;
    }
  }
}
