// @kubedump/repository/snapshot: snapshot ids, archive paths, the manifest, and what the
// Repository's lifecycle methods (commit, forget, sweep, verify, download) take and return.
export type { DownloadResult } from "./download.js";
export type { ForgetEntry, ForgetOptions, ForgetResult, RetentionPolicy } from "./forget.js";
export { type ObjectCoordinates, PARTS_DIR, pathFor, resourceKey, snapshotManifestKey } from "./layout.js";
export type { ReadProgress, ReadProgressOptions, VerifyReadOptions } from "./read-progress.js";
export type { DeleteSnapshotResult, ReadObjectsOptions } from "./repository.js";
export type { RetentionRule, RetentionRules } from "./retention.js";
export { isSnapshotId, newSnapshotId } from "./snapshot-id.js";
export type { MismatchedSnapshot, SnapshotScan, UnreadableSnapshot } from "./snapshot-scan.js";
export type { CommitSnapshotInput } from "./snapshot-upload.js";
export type { SweepOptions, SweepResult } from "./sweep.js";
export type {
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
export type { StoredCheckReport } from "./check-stored.js";
export type { VerifyReport } from "./verify-snapshot.js";
