export {
  API_VERSION,
  BACKUP_CONFIGURATION_LABEL,
  BackupConfigurationPhase,
  BackupConfigurationPhaseSchema,
  BackupSessionPhase,
  BackupSessionPhaseSchema,
  CATEGORY,
  ConditionReason,
  ConditionType,
  EXCLUDE_LABEL,
  FINISHED_BACKUP_SESSION_PHASES,
  FINISHED_RESTORE_SESSION_PHASES,
  GROUP,
  type KubedumpKind,
  RESOURCES,
  RepositoryPhase,
  RepositoryPhaseSchema,
  RestoreSessionPhase,
  RestoreSessionPhaseSchema,
  VERSION,
} from "./constants.js";
export {
  type Condition,
  ConditionSchema,
  type ObjectMeta,
  ObjectMetaSchema,
  ObservedGenerationSchema,
  setCondition,
  setReadyCondition,
} from "./common.js";
export {
  type Backend,
  BackendSchema,
  type LocalBackend,
  OBJECT_LOCK_MODES,
  type ObjectLock,
  ObjectLockSchema,
  type Repository,
  RepositorySchema,
  type RepositorySpec,
  RepositorySpecSchema,
  type RepositoryStatus,
  RepositoryStatusSchema,
  type S3Backend,
  validateRepository,
  type VerifySpec,
  VerifySpecSchema,
} from "./repository.js";
export {
  type BackupConfiguration,
  BackupConfigurationSchema,
  type BackupConfigurationSpec,
  BackupConfigurationSpecSchema,
  type BackupConfigurationStatus,
  BackupConfigurationStatusSchema,
  type BackupMode,
  BackupModeSchema,
  DEFAULT_BACKUP_HISTORY_LIMIT,
  DEFAULT_BACKUP_MODE,
  DEFAULT_MAX_RETRY,
  DEFAULT_RETRY_DELAY,
  DEFAULT_TASK_NAME,
  type TargetRef,
  retryPolicyOf,
  type Task,
  validateBackupConfiguration,
} from "./backup-configuration.js";
export { type RetentionPolicy, RetentionPolicySchema } from "./retention-policy.js";
export {
  type BackupSession,
  BackupSessionSchema,
  type BackupSessionSpec,
  BackupSessionSpecSchema,
  type BackupSessionStatus,
  BackupSessionStatusSchema,
  type Invoker,
  type SnapshotSummary,
  validateBackupSession,
} from "./backup-session.js";
export {
  LATEST_SNAPSHOT,
  MAX_LISTED_FAILURES,
  type RestoreCounts,
  type RestoreFailure,
  type RestoreSession,
  type RestoreSessionProgress,
  RestoreSessionSchema,
  type RestoreSessionSpec,
  RestoreSessionSpecSchema,
  type RestoreSessionStatus,
  RestoreSessionStatusSchema,
  validateRestoreSession,
} from "./restore-session.js";
export {
  checkTaskParams,
  DEFAULT_TASK_PARAMS,
  parseTaskParams,
  TASK_PARAMS,
  type TaskParamIssue,
  type TaskParam,
  type TaskParamName,
  type TaskParams,
  type TaskParamSpec,
} from "./task-params.js";
export { CRON_MACROS, validateCron } from "./cron.js";
export { CronScheduleSchema, DEFAULT_TIME_ZONE, TimeZoneSchema } from "./schedule.js";
export { DURATION_PATTERN, formatDuration, parseDuration } from "./duration.js";
export type { Validation } from "./validation.js";
export { buildCrd, type CrdFile, type CustomResourceDefinition, generateCrdFiles } from "./crds.js";
export { crPath, type KubedumpResourceType, newBackupSession, resourceTypeOf } from "./paths.js";
export { formatBytes } from "./bytes.js";
export { matches, parseSelector, type Requirement, SelectorSyntaxError } from "./label-selector.js";
