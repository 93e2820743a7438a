export { type ObjectCodec, plainCodec } from "./codec.js";
export type { DownloadResult } from "./download.js";
export {
  IntegrityError,
  InvalidObjectKeyError,
  ObjectNotFoundError,
  RepositoryFormatError,
  SnapshotExistsError,
  SnapshotNotFoundError,
  UnsafePathError,
} from "./errors.js";
export { createIndexWriter, type IndexWriter, type IndexWriterOptions } from "./index-writer.js";
export {
  type ObjectCoordinates,
  PARTS_DIR,
  partFileName,
  pathFor,
  REPOSITORY_KEY,
  resourceKey,
  SNAPSHOTS_PREFIX,
  snapshotIdOfKey,
  snapshotIndexKey,
  snapshotManifestKey,
  snapshotPartKey,
  snapshotPrefix,
} from "./layout.js";
export { createLocalObjectStore, LocalObjectStore, type LocalObjectStoreOptions } from "./local-object-store.js";
export type { ObjectEntry, ObjectStat, ObjectStore } from "./object-store.js";
export {
  createPartWriter,
  DEFAULT_GZIP_LEVEL,
  DEFAULT_MAX_PART_BYTES,
  type PartEntry,
  type PartWriter,
  type PartWriterOptions,
  type PartWriterResult,
} from "./part-writer.js";
export {
  type DeleteSnapshotResult,
  openRepository,
  type Repository,
  type RepositoryOptions,
  type UnfinishedSnapshot,
} from "./repository.js";
export { isSnapshotId, newSnapshotId } from "./snapshot-id.js";
export type { CommitSnapshotInput } from "./snapshot-upload.js";
export type {
  IndexFile,
  IndexOwnerReference,
  IndexRecord,
  PartFile,
  RepositoryConfig,
  SnapshotCluster,
  SnapshotIndexInfo,
  SnapshotManifest,
  SnapshotManifestDraft,
  SnapshotObject,
  SnapshotPart,
  SnapshotScope,
  SnapshotSource,
} from "./types.js";
