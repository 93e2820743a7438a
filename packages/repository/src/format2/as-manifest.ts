import { snapshotManifestKey } from "../snapshot/layout.js";
import type { SnapshotManifest } from "../snapshot/types.js";
import type { SnapshotManifestV2 } from "./manifest.js";

/**
 * A format-2 snapshot.json as the Repository interface's callers read it (the CLI's snapshots,
 * show and diff, the console): every field they read is format 2's own. Format 2 has neither
 * parts nor a per-snapshot index file: `parts` is empty (its packs are shared with other
 * snapshots and known only by walking the tree), and `index` stands for the tree, named by
 * snapshot.json's key, with the object count as its records and no bytes of its own.
 */
export function asSnapshotManifest(manifest: SnapshotManifestV2): SnapshotManifest {
  const { tree: _tree, indexes: _indexes, added: _added, ...common } = manifest;
  return {
    ...common,
    formatVersion: 2,
    parts: [],
    index: { key: snapshotManifestKey(manifest.id), records: manifest.objects, bytes: 0, sha256: manifest.tree },
  };
}
