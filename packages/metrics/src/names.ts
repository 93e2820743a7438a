/** The values a backup reports; a missing one is not sent. */
export interface BackupMetricValues {
  sessionSuccess: boolean;
  sessionDurationSeconds?: number;
  lastSuccessTimeSeconds?: number;
  objectsTotal?: number;
  dataSizeBytes?: number;
  dataUploadedBytes?: number;
  repositorySnapshotCount?: number;
  repositorySizeBytes?: number;
  repositorySnapshotCleaned?: number;
  repositoryIntegrity?: boolean;
}

export interface BackupMetricDefinition {
  /** kubedump's name. */
  name: string;
  help: string;
  /** Stash's names for the same value, emitted when Stash names are asked for. */
  stashNames: readonly string[];
}

/**
 * Every metric a backup pushes (all gauges), with Stash's equivalents. Stash's per-host and
 * per-target success metrics carry the session's outcome, since a kubedump session has one target.
 */
export const BACKUP_METRICS = {
  sessionSuccess: {
    name: "kubedump_backup_session_success",
    help: "Whether the last backup session succeeded (1) or failed (0).",
    stashNames: ["stash_backup_session_success", "stash_backup_target_success", "stash_backup_host_backup_success"],
  },
  sessionDurationSeconds: {
    name: "kubedump_backup_session_duration_seconds",
    help: "Time the last backup session took, in seconds.",
    stashNames: ["stash_backup_session_duration_seconds"],
  },
  lastSuccessTimeSeconds: {
    name: "kubedump_backup_last_success_time_seconds",
    help: "Unix time at which the last successful backup session finished.",
    stashNames: ["stash_backup_last_success_time_seconds"],
  },
  objectsTotal: {
    name: "kubedump_backup_objects_total",
    help: "Number of objects written to the snapshot by the last backup session.",
    stashNames: ["stash_backup_host_files_total"],
  },
  dataSizeBytes: {
    name: "kubedump_backup_data_size_bytes",
    help: "Size of the data backed up by the last backup session, in bytes.",
    stashNames: ["stash_backup_host_data_size_bytes"],
  },
  dataUploadedBytes: {
    name: "kubedump_backup_data_uploaded_bytes",
    help: "Bytes uploaded to the repository by the last backup session.",
    stashNames: ["stash_backup_host_data_uploaded_bytes"],
  },
  repositorySnapshotCount: {
    name: "kubedump_repository_snapshot_count",
    help: "Number of snapshots in the repository.",
    stashNames: ["stash_repository_snapshot_count"],
  },
  repositorySizeBytes: {
    name: "kubedump_repository_size_bytes",
    help: "Total size of the repository, in bytes.",
    stashNames: ["stash_repository_size_bytes"],
  },
  repositorySnapshotCleaned: {
    name: "kubedump_repository_snapshot_cleaned",
    help: "Number of snapshots removed by the retention policy in the last backup session.",
    stashNames: ["stash_repository_snapshot_cleaned"],
  },
  repositoryIntegrity: {
    name: "kubedump_repository_integrity",
    help: "Whether the repository passed its integrity check (1) or not (0).",
    stashNames: ["stash_repository_integrity"],
  },
} as const satisfies Record<keyof BackupMetricValues, BackupMetricDefinition>;

/** The labels every backup metric carries. */
export interface BackupMetricLabels {
  invokerKind: string;
  invokerName: string;
  namespace: string;
  repository: string;
}

/** Label names, as exposed, for the fields of BackupMetricLabels. */
export const BACKUP_LABEL_NAMES = {
  invokerKind: "invoker_kind",
  invokerName: "invoker_name",
  namespace: "namespace",
  repository: "repository",
} as const satisfies Record<keyof BackupMetricLabels, string>;

/** Jobs in each kubedump queue by state (labels `queue`, `state`): served by the metrics gateway, read by dashboards. */
export const QUEUE_JOBS_METRIC = "kubedump_queue_jobs";

/** The values a RestoreSession reports when it ends; objects per outcome only when it ran. */
export interface RestoreMetricValues {
  sessionSuccess: boolean;
  sessionDurationSeconds: number;
  /** Objects per outcome (created, updated, unchanged, exists, skipped, failed). */
  objects?: Readonly<Record<string, number>>;
}

/** Every metric a RestoreSession pushes (gauges), grouped by job `RestoreSession-<namespace>-<name>`. */
export const RESTORE_METRICS = {
  sessionSuccess: {
    name: "kubedump_restore_session_success",
    help: "Whether the restore session restored every object (1) or not (0: some failed, or it could not run).",
  },
  sessionDurationSeconds: {
    name: "kubedump_restore_session_duration_seconds",
    help: "Time the restore session took, in seconds.",
  },
  objects: {
    name: "kubedump_restore_objects_total",
    help: "Objects of the restore session by outcome (label outcome).",
  },
} as const satisfies Record<keyof RestoreMetricValues, { name: string; help: string }>;

/** The labels every restore metric carries (exposed as namespace, restore_session, repository). */
export interface RestoreMetricLabels {
  namespace: string;
  session: string;
  repository: string;
}
