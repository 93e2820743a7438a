// S3 Object Lock and format 2 (docs/object-lock.md, "Format 2"): a snapshot reuses blobs in packs
// that older backups wrote, locked only as long as those backups asked. Before the snapshot's
// snapshot.json is written, every pack it references, and every index file that lists one, is
// locked at least until that snapshot.json's own retain-until: an attacker who waits for the old
// retention to lapse cannot delete data a retained snapshot needs.
import { mapLimit } from "../snapshot/snapshot-scan.js";
import type { ObjectStore } from "../stores/object-store.js";
import type { BlobIndex } from "./blob-index.js";
import { indexFileKey, packKey } from "./layout.js";

/** PutObjectRetention requests in flight at once. @defaultValue 8 */
const EXTEND_CONCURRENCY = 8;

export interface SnapshotRetentionDeps {
  store: ObjectStore;
  /** The repository's blobs as the writer loaded them. */
  index: BlobIndex;
  /** Pack id → the index files that list it (LoadedIndex.listing). */
  listing: ReadonlyMap<string, readonly string[]>;
  now?: () => Date;
}

/** What a snapshot's commit locked, all until one time. */
export interface ExtendedRetention {
  until: Date;
  packs: number;
  indexFiles: number;
}

/** The packs one snapshot references, whose retention its commit extends (see the top of this file). */
export class SnapshotRetention {
  private readonly packs = new Set<string>();

  constructor(private readonly deps: SnapshotRetentionDeps) {}

  /** Whether `store` locks what it writes: only then is a SnapshotRetention worth keeping. */
  static wanted(store: ObjectStore): boolean {
    return store.extendRetention !== undefined && store.retentionFor?.(new Date()) !== undefined;
  }

  /** Notes a blob the snapshot references; one still in the writer's open pack is covered by `extend`'s `written`. */
  note(blob: string): void {
    const pack = this.deps.index.get(blob)?.pack;
    if (pack !== undefined) this.packs.add(pack);
  }

  /**
   * Extends the retention of every pack noted or `written`, of every index file listing one, and
   * of the snapshot's own `indexFile`, to now plus the store's retention; resolves with that time,
   * the retain-until of the snapshot.json written next. Undefined when the store locks nothing.
   */
  async extend(written: readonly string[], indexFile: string | undefined): Promise<ExtendedRetention | undefined> {
    const { store } = this.deps;
    const until = store.retentionFor?.((this.deps.now ?? (() => new Date()))());
    const extendRetention = store.extendRetention?.bind(store);
    if (until === undefined || !extendRetention) return undefined;
    for (const pack of written) this.packs.add(pack);
    const files = new Set(indexFile === undefined ? [] : [indexFile]);
    for (const pack of this.packs) for (const file of this.deps.listing.get(pack) ?? []) files.add(file);
    const keys = [...[...this.packs].map(packKey), ...[...files].map(indexFileKey)];
    await mapLimit(keys, EXTEND_CONCURRENCY, (key) => extendRetention(key, until));
    return { until, packs: this.packs.size, indexFiles: files.size };
  }
}
