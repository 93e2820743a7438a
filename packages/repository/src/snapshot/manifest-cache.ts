import type { SnapshotManifest } from "./types.js";

/** How many snapshot.json files a cache holds at most, the least recently used dropped first. */
export const DEFAULT_MANIFEST_CACHE_ENTRIES = 20_000;

/**
 * snapshot.json files already read and checked, by key, size and modification time as listed. A
 * committed snapshot.json is never rewritten, so a scan of a repository it has seen reads only the
 * snapshots committed since: without it, every backup's Repository status read every snapshot.json
 * again (600 GETs a backup at the end of a 30-minute soak of 20 configurations). A listing with
 * another size or time for a key reads it again. Keep one cache per repository location and
 * process; the manifests it returns must not be changed.
 */
export class ManifestCache {
  private readonly entries = new Map<string, SnapshotManifest>();

  constructor(private readonly maxEntries = DEFAULT_MANIFEST_CACHE_ENTRIES) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, size: number, mtime?: Date): SnapshotManifest | undefined {
    const k = cacheKey(key, size, mtime);
    const hit = this.entries.get(k);
    if (hit) {
      this.entries.delete(k);
      this.entries.set(k, hit);
    }
    return hit;
  }

  set(key: string, size: number, mtime: Date | undefined, manifest: SnapshotManifest): void {
    const k = cacheKey(key, size, mtime);
    this.entries.delete(k);
    this.entries.set(k, manifest);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  /** Drops every entry of a key not in `listed` (snapshots deleted since), after a full listing. */
  retainKeys(listed: ReadonlySet<string>): void {
    for (const k of [...this.entries.keys()]) {
      if (!listed.has(k.slice(0, k.indexOf("\0")))) this.entries.delete(k);
    }
  }
}

const cacheKey = (key: string, size: number, mtime?: Date): string => `${key}\0${size}\0${mtime?.getTime() ?? ""}`;
