export { type ObjectCodec, plainCodec } from "./codec.js";
export type { DownloadResult } from "./download.js";
export {
  BackendConfigError,
  EncryptionMismatchError,
  IntegrityError,
  InvalidObjectKeyError,
  ObjectNotFoundError,
  RepositoryFormatError,
  SnapshotExistsError,
  SnapshotNotFoundError,
  StoreAccessDeniedError,
  StoreRequestError,
  StoreUnreachableError,
  UnsafePathError,
  WrongPasswordError,
} from "./errors.js";
export type { ForgetEntry, ForgetOptions, ForgetResult, RetentionPolicy } from "./forget.js";
export { sha256Each } from "./gzip-file.js";
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
  type BackendSpec,
  createObjectStoreFromBackend,
  type OpenFromBackendOptions,
  openRepositoryFromBackend,
  passwordFromSecret,
  SECRET_KEYS,
} from "./open-from-backend.js";
export {
  createPartWriter,
  DEFAULT_GZIP_LEVEL,
  DEFAULT_MAX_PART_BYTES,
  type PartEntry,
  type PartWriter,
  type PartWriterOptions,
  type PartWriterResult,
} from "./part-writer.js";
export { type DeleteSnapshotResult, openRepository, type Repository, type RepositoryOptions } from "./repository.js";
export type { RetentionRule, RetentionRules } from "./retention.js";
export type { RetryPolicy } from "./retry.js";
export { createS3ObjectStore, S3ObjectStore, type S3ObjectStoreOptions } from "./s3-object-store.js";
export { isSnapshotId, newSnapshotId } from "./snapshot-id.js";
export type { CommitSnapshotInput } from "./snapshot-upload.js";
export { DEFAULT_SWEEP_AGE_MS, type SweepOptions, type SweepResult } from "./sweep.js";
export type {
  EncryptionConfig,
  IndexFile,
  IndexOwnerReference,
  IndexRecord,
  PartFile,
  RepositoryConfig,
  ScryptParams,
  SnapshotCluster,
  SnapshotIndexInfo,
  SnapshotManifest,
  SnapshotManifestDraft,
  SnapshotObject,
  SnapshotPart,
  SnapshotScope,
  SnapshotSource,
  UnfinishedSnapshot,
} from "./types.js";
export type { VerifyReport } from "./verify-snapshot.js";
