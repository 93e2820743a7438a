// What the repository's benchmark scripts share: committing the snapshot of their generated ConfigMaps.
import { newSnapshotId } from "../dist/snapshot/index.js";

/**
 * Commits the part and index files a benchmark wrote, as a snapshot of `count` ConfigMaps holding
 * `bytes` bytes of YAML; returns its manifest.
 */
export function commitConfigMaps(repository, { count, bytes, partFiles, indexFile }) {
  const time = new Date();
  return repository.commitSnapshot({
    manifest: {
      formatVersion: 1,
      id: newSnapshotId(time),
      time: time.toISOString(),
      completedAt: time.toISOString(),
      source: { kind: "cli" },
      cluster: {},
      scope: { type: "cluster" },
      params: {},
      counts: { configmaps: count },
      objects: count,
      bytes,
      warnings: [],
    },
    partFiles,
    indexFile,
  });
}
