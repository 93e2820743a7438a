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
