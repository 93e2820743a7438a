import type { SnapshotManifest } from "./types.js";

/** How far a read of a snapshot's objects (a download, a verify) has got, for a progress line. */
export interface ReadProgress {
  /** Objects read so far, of `totalObjects` (what snapshot.json records). */
  objects: number;
  totalObjects: number;
  /** YAML bytes read so far, of `totalBytes`. */
  bytes: number;
  totalBytes: number;
}

export interface ReadProgressOptions {
  /** Called after each object. */
  onProgress?: (p: ReadProgress) => void;
}

/** Options of Repository.verify. */
export interface VerifyReadOptions extends ReadProgressOptions {
  /**
   * Check this snapshot alone, as a restore of it needs: its tree, its objects and the packs that
   * hold them; not, in format 2, the repository's other snapshots' trees, its journal and every
   * pack's size (format 1's verify of a snapshot checks it alone anyway).
   */
  snapshotOnly?: boolean;
}

/** A counter to call with each object's size; it reports to `onProgress`, when there is one. */
export function progressCounter(
  manifest: SnapshotManifest,
  options: ReadProgressOptions = {},
): (bytes: number) => void {
  const { onProgress } = options;
  if (!onProgress) return () => {};
  const p: ReadProgress = { objects: 0, totalObjects: manifest.objects, bytes: 0, totalBytes: manifest.bytes };
  return (bytes) => {
    p.objects += 1;
    p.bytes += bytes;
    onProgress({ ...p });
  };
}
