// Repository format 2 (docs/format.md): content-addressed blobs in packs, snapshots as trees of
// blobs, an index of packs in small incremental files. Exported from @kubedump/repository with
// names that do not clash with format 1's.
export { format2Of } from "./as-repository.js";
export { BlobIndex, type BlobLocation } from "./blob-index.js";
export { type IndexLoaderDeps, type LoadedIndex, loadBlobIndex } from "./index-loader.js";
export { blobId, deriveFormat2Keys, type Format2Keys } from "./keys.js";
export type { SnapshotDraftV2, SnapshotManifestV2 } from "./manifest.js";
export type { BlobType, PackEntry } from "./pack-format.js";
export { DEFAULT_PACK_TARGET_BYTES, PackWriter, type PackWriterStats, type WrittenPack } from "./pack-writer.js";
export { type LoadedPack, readPack } from "./pack-reader.js";
export { type Format2Repository, type Format2RepositoryOptions, openFormat2Repository } from "./repository.js";
export { readIndexRecordsV2, readManifestV2, readSnapshotObjectsV2 } from "./snapshot-reader.js";
export {
  type BatchDigests,
  type ReusedObject,
  type SnapshotInputObject,
  SnapshotWriterV2,
  writeSnapshotV2,
} from "./snapshot-writer.js";
export type { ObjectRecord } from "./tree-builder.js";
export type { NamespaceNode, ObjectsNode, RootNode, TreeNode, TypeNode, TreeObject } from "./tree-nodes.js";
export {
  acquireLock,
  DEFAULT_LOCK_TTL_MS,
  describeLock,
  type LockInfo,
  type LockKind,
  LockConflictError,
  LockLostError,
  type LockOptions,
  listLiveLocks,
  type RemovedLock,
  removeAllLocks,
  removeStaleLocks,
  type RepositoryLock,
} from "./lock.js";
export {
  type DamagedSnapshot,
  type MigratedSnapshot,
  type MigrateOptions,
  type MigrateProgress,
  type MigrateReport,
  migrateRepository,
} from "./migrate.js";
export { type PruneOptions, type PruneReport, pruneRepository } from "./prune.js";
export { DEFAULT_REPACK_THRESHOLD } from "./prune-plan.js";
export {
  describeVerifyProblem,
  parseDataSubset,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
  verifyRepository,
} from "./verify.js";
