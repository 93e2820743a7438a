import { z } from "zod";

export const GROUP = "kubedump.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Names of the custom resources, as the CRDs register them. */
export const RESOURCES = {
  Repository: {
    kind: "Repository",
    listKind: "RepositoryList",
    plural: "repositories",
    singular: "repository",
    shortNames: ["kdrepo"],
  },
  BackupConfiguration: {
    kind: "BackupConfiguration",
    listKind: "BackupConfigurationList",
    plural: "backupconfigurations",
    singular: "backupconfiguration",
    shortNames: ["kdbc"],
  },
  BackupSession: {
    kind: "BackupSession",
    listKind: "BackupSessionList",
    plural: "backupsessions",
    singular: "backupsession",
    shortNames: ["kdbs"],
  },
  RestoreSession: {
    kind: "RestoreSession",
    listKind: "RestoreSessionList",
    plural: "restoresessions",
    singular: "restoresession",
    shortNames: ["kdrestore"],
  },
} as const;

export type KubedumpKind = keyof typeof RESOURCES;

/** `kubectl get kubedump` lists them all. */
export const CATEGORY = "kubedump";

/** On a BackupSession: the name of the BackupConfiguration that made it. */
export const BACKUP_CONFIGURATION_LABEL = `${GROUP}/backup-configuration`;
/** An object labelled `kubedump.io/exclude=true` is never backed up. */
export const EXCLUDE_LABEL = `${GROUP}/exclude`;

export const BackupSessionPhaseSchema = z.enum([
  "Pending",
  "Running",
  "Succeeded",
  "PartiallySucceeded",
  "Failed",
  "Skipped",
]);
export type BackupSessionPhase = z.infer<typeof BackupSessionPhaseSchema>;
export const BackupSessionPhase = BackupSessionPhaseSchema.enum;

/** Phases after which a BackupSession never changes again (what backupHistoryLimit counts). */
export const FINISHED_BACKUP_SESSION_PHASES: readonly BackupSessionPhase[] = [
  "Succeeded",
  "PartiallySucceeded",
  "Failed",
  "Skipped",
];

export const RestoreSessionPhaseSchema = z.enum(["Pending", "Running", "Succeeded", "PartiallySucceeded", "Failed"]);
export type RestoreSessionPhase = z.infer<typeof RestoreSessionPhaseSchema>;
export const RestoreSessionPhase = RestoreSessionPhaseSchema.enum;

/** Phases after which a RestoreSession never changes again. */
export const FINISHED_RESTORE_SESSION_PHASES: readonly RestoreSessionPhase[] = [
  "Succeeded",
  "PartiallySucceeded",
  "Failed",
];

export const BackupConfigurationPhaseSchema = z.enum(["Ready", "NotReady", "Invalid"]);
export type BackupConfigurationPhase = z.infer<typeof BackupConfigurationPhaseSchema>;
export const BackupConfigurationPhase = BackupConfigurationPhaseSchema.enum;

export const RepositoryPhaseSchema = z.enum(["Ready", "NotReady"]);
export type RepositoryPhase = z.infer<typeof RepositoryPhaseSchema>;
export const RepositoryPhase = RepositoryPhaseSchema.enum;

/**
 * Condition types, per kind. Repository and BackupConfiguration also carry `Ready`, the summary of
 * the others, so that `kubectl wait --for=condition=Ready` works;
 * `status.phase` stays the one-word state.
 */
export const ConditionType = {
  /** Repository, BackupConfiguration: True when every other condition is True (see setReadyCondition). */
  Ready: "Ready",
  /** BackupConfiguration: the spec passed validation (False → phase Invalid). */
  SpecValid: "SpecValid",
  /** BackupConfiguration: its Repository exists and is Ready. */
  RepositoryReady: "RepositoryReady",
  /** BackupConfiguration: a job scheduler exists for its schedule (False while paused). */
  Scheduled: "Scheduled",
  /** BackupConfiguration in Continuous mode: the recorder journals its changes (False: why it cannot). */
  Recording: "Recording",
  /** Repository: the storage Secret exists and has the keys the backend needs. */
  SecretFound: "SecretFound",
  /** Repository: the backend answered and repository.json is readable (or was created). */
  BackendReachable: "BackendReachable",
  /** BackupSession: snapshot.json, the commit marker, was written. */
  SnapshotCommitted: "SnapshotCommitted",
  /** BackupSession: the retention policy ran after the snapshot was committed. */
  RetentionPolicyApplied: "RetentionPolicyApplied",
  /** RestoreSession: the snapshot was restored (False: it could not run, see the reason). */
  Restored: "Restored",
  /** BackupSession, RestoreSession: metrics were pushed to the metrics gateway. */
  MetricsPushed: "MetricsPushed",
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Machine-readable reasons (CamelCase, as Kubernetes requires) for conditions. */
export const ConditionReason = {
  /** Ready is True: every other condition is True. */
  AllConditionsTrue: "AllConditionsTrue",
  /** Ready is Unknown: no other condition has been written yet. */
  NoConditions: "NoConditions",
  Valid: "Valid",
  InvalidSpec: "InvalidSpec",
  RepositoryNotFound: "RepositoryNotFound",
  RepositoryNotReady: "RepositoryNotReady",
  RepositoryReady: "RepositoryReady",
  SchedulerCreated: "SchedulerCreated",
  Paused: "Paused",
  SecretNotFound: "SecretNotFound",
  SecretKeyMissing: "SecretKeyMissing",
  SecretFound: "SecretFound",
  BackendReachable: "BackendReachable",
  BackendUnreachable: "BackendUnreachable",
  WrongPassword: "WrongPassword",
  SnapshotCommitted: "SnapshotCommitted",
  BackupFailed: "BackupFailed",
  TimedOut: "TimedOut",
  AnotherBackupRunning: "AnotherBackupRunning",
  RetentionPolicyApplied: "RetentionPolicyApplied",
  RetentionPolicyFailed: "RetentionPolicyFailed",
  MetricsPushed: "MetricsPushed",
  /** A RestoreSession restored every object / some objects failed / it could not run. */
  RestoreSucceeded: "RestoreSucceeded",
  RestorePartiallyFailed: "RestorePartiallyFailed",
  RestoreFailed: "RestoreFailed",
  /** A RestoreSession's snapshot (or the latest of its configuration) does not exist. */
  SnapshotNotFound: "SnapshotNotFound",
  MetricsPushFailed: "MetricsPushFailed",
  /** A Repository's verification found damaged snapshots (a Warning Event naming them). */
  IntegrityCheckFailed: "IntegrityCheckFailed",
  /** A Repository's verification could not run to the end (backend unreachable, invalid spec). */
  VerifyFailed: "VerifyFailed",
  /** Recording: the recorder watches the configuration's scope and writes its journal. */
  Recording: "Recording",
  /** Recording False: the Repository is format 1, which cannot hold a journal. */
  RepositoryFormat1: "RepositoryFormat1",
  /** Recording False: the Repository could not be opened or written (retried). */
  RecordingFailed: "RecordingFailed",
} as const;
export type ConditionReason = (typeof ConditionReason)[keyof typeof ConditionReason];
