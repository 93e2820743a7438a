export { type BackupFamiliesOptions, backupMetricFamilies, repositoryIntegrityFamilies } from "./backup-metrics.js";
export {
  BACKUP_LABEL_NAMES,
  BACKUP_METRICS,
  type BackupMetricDefinition,
  type BackupMetricLabels,
  type BackupMetricValues,
  QUEUE_JOBS_METRIC,
  RESTORE_METRICS,
  type RestoreMetricLabels,
  type RestoreMetricValues,
} from "./names.js";
export { type PushRestoreMetricsOptions, pushRestoreMetrics, restoreMetricFamilies } from "./restore-metrics.js";
export { formatGoFloat, formatGoLabelFloat } from "./go-float.js";
export { describeSeries, type ParseOptions, parseTextFormat } from "./parse-text.js";
export {
  backupJobKey,
  DEFAULT_PUSH_TIMEOUT_MS,
  MetricsPushError,
  type PushBackupMetricsOptions,
  type PushRepositoryIntegrityOptions,
  pushBackupMetrics,
  pushRepositoryIntegrity,
} from "./push.js";
export { formatValue, renderTextFormat, TEXT_FORMAT_CONTENT_TYPE } from "./render-text.js";
export { parseFloatValue } from "./text-line.js";
export { TextFormatError } from "./text-format-error.js";
export {
  isValidLabelName,
  isValidMetricName,
  type Labels,
  METRIC_TYPES,
  type MetricFamily,
  type MetricType,
  type Sample,
  seriesKey,
} from "./types.js";
