// @kubedump/repository: a Repository of snapshots, opened on an ObjectStore or from a Repository
// CR's backend, and the errors its callers act on. The parts live in subpaths, so importing one
// never loads another's dependencies: /local and /s3 (stores; only /s3 needs minio), /archive
// (part and index writers), /crypto (keys and encryption), /snapshot (ids, paths, manifests and
// what the Repository's methods take and return). S3 credentials come from a Repository's Secret
// or, when it holds no keys, from the process's AWS credential chain (credentials/). diff/: snapshots
// compared by their indexes, reading only the parts that hold what differs; an object's history.
export type { AwsCredentials, CredentialProvider } from "./credentials/aws-credentials.js";
export { AWS_ENV_VARS, type AwsEnv } from "./credentials/aws-env.js";
export { type AwsCredentialChainOptions, createAwsCredentialChain } from "./credentials/credential-chain.js";
export {
  BackendConfigError,
  CredentialsError,
  EncryptionMismatchError,
  IntegrityError,
  InvalidObjectKeyError,
  ObjectLockedError,
  ObjectNotFoundError,
  RepositoryFormatError,
  SnapshotExistsError,
  SnapshotNotFoundError,
  StorageSecretNotFoundError,
  StoreAccessDeniedError,
  StoreRequestError,
  StoreUnreachableError,
  UnsafePathError,
  WrongPasswordError,
} from "./errors.js";
// Repository format 2 (docs/format.md), the whole of it in the /format2 subpath.
export {
  BlobIndex,
  type Format2Repository,
  type Format2RepositoryOptions,
  openFormat2Repository,
  readIndexRecordsV2,
  readManifestV2,
  readSnapshotObjectsV2,
  type SnapshotDraftV2,
  type SnapshotInputObject,
  type SnapshotManifestV2,
  SnapshotWriterV2,
  writeSnapshotV2,
} from "./format2/index.js";
export {
  type BackendSpec,
  createObjectStoreFromBackend,
  type OpenFromBackendOptions,
  openRepositoryFromBackend,
  passwordFromSecret,
  SECRET_KEYS,
} from "./open-from-backend.js";
export {
  type RepositoryObjectSpec,
  type RepositoryStorage,
  readRepositoryStorage,
  type SecretReader,
} from "./repository-object.js";
export { createRepositoryObjectOpener, type RepositoryObjectOpener } from "./repository-opener.js";
export {
  type DamagedSnapshot,
  pickForReading,
  type SampleVerifyResult,
  verifySnapshotSample,
} from "./snapshot/verify-sample.js";
export type { RetryPolicy } from "./retry.js";
export type { ObjectLockMode, ObjectLockSpec } from "./stores/s3-object-lock.js";
export {
  type ChangedRecord,
  compareIndexes,
  compareRecordMaps,
  type IndexComparison,
  objectKeyOf,
  type RecordFilter,
  recordsByKey,
} from "./diff/compare-indexes.js";
export {
  type DiffCounts,
  type DiffOptions,
  type DiffRecord,
  type DiffSide,
  diffSides,
  type ObjectChangeKind,
  type ObjectDiff,
  type SidesDiff,
  snapshotSide,
} from "./diff/diff-sides.js";
export {
  type HistoryEntry,
  type HistoryOptions,
  type ObjectHistory,
  objectHistory,
  scopeCovers,
} from "./diff/object-history.js";
export type { SelectedRecord } from "./diff/read-selected.js";
export { byTime, resolveSnapshot } from "./diff/snapshot-ref.js";
export { type DiffLine, diffLines, type UnifiedDiffOptions, unifiedDiff } from "./diff/unified-diff.js";
export {
  DEFAULT_REPOSITORY_FORMAT,
  openRepository,
  type Repository,
  type RepositoryOptions,
} from "./snapshot/repository.js";
export {
  type MismatchedSnapshot,
  type SnapshotScan,
  scanSnapshots,
  type UnreadableSnapshot,
} from "./snapshot/snapshot-scan.js";
export { DEFAULT_MANIFEST_CACHE_ENTRIES, ManifestCache } from "./snapshot/manifest-cache.js";
export type { ObjectEntry, ObjectStat, ObjectStore } from "./stores/object-store.js";
