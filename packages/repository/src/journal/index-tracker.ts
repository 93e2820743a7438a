import { BlobIndex } from "../format2/blob-index.js";
import { decodeIndexFile } from "../format2/index-file.js";
import { addPacks, type IndexLoaderDeps, indexFileBytes } from "../format2/index-loader.js";
import { INDEX_PREFIX, indexFileIdOfKey, indexFileKey } from "../format2/layout.js";

/**
 * The repository's blob index for a writer that runs for days: each refresh lists `index/` and
 * reads only the files it has not seen; when a file it has seen is gone (a prune merged the
 * index, and may have dropped blobs), it reads the whole index again. Call refresh under the
 * repository lock, so no prune runs between the refresh and the writes that trust it.
 */
export class IndexTracker {
  private index = new BlobIndex();
  private readonly known = new Set<string>();

  constructor(private readonly deps: IndexLoaderDeps) {}

  async refresh(): Promise<BlobIndex> {
    const listed: string[] = [];
    for await (const entry of this.deps.store.list(INDEX_PREFIX)) {
      const id = indexFileIdOfKey(entry.key);
      if (id !== undefined) listed.push(id);
    }
    const present = new Set(listed);
    if ([...this.known].some((id) => !present.has(id))) this.invalidate();
    for (const id of listed) {
      if (this.known.has(id)) continue;
      addPacks(this.index, decodeIndexFile(this.deps.keys, indexFileKey(id), await indexFileBytes(this.deps, id)));
      this.known.add(id);
    }
    return this.index;
  }

  /** An index file this process wrote, whose blobs the index holds already. */
  adopt(id: string): void {
    this.known.add(id);
  }

  /** Forgets everything: after a failed write the index may list blobs of packs never stored. */
  invalidate(): void {
    this.index = new BlobIndex();
    this.known.clear();
  }
}
