export { SnapshotDamagedError } from "./errors.js";
export { compileRestoreFilters, type FilterRecord, type RestoreFilter, type RestoreFilters } from "./filters.js";
export { objectNameOf, typeKeyOf } from "./keys.js";
export {
  mapNamespaces,
  type NamespaceMapping,
  NamespaceMappingError,
  parseNamespaceMappings,
} from "./namespace-mapping.js";
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_ESTABLISH_TIMEOUT_MS,
  DEFAULT_PASS_DELAY_MS,
  describeProgress,
  type ExistingResourcePolicy,
  FIELD_MANAGER,
  type RestoreDeps,
  type RestoreOptions,
  type RestoreProgress,
} from "./options.js";
export {
  type BrokenCycle,
  CRD_TYPE,
  OTHER_STAGE,
  type PlanOptions,
  type PlanStep,
  planRestore,
  RESTORE_LAST,
  RESTORE_PRIORITIES,
  type RestorePlan,
} from "./plan.js";
export { type PreparedObject, type PrepareOptions, prepare } from "./prepare.js";
export {
  type DroppedOwner,
  type OwnerLookup,
  type OwnerQuery,
  type RelinkResult,
  relinkOwners,
  type UidMap,
} from "./relink.js";
export {
  type ObjectOutcome,
  OUTCOMES,
  type Outcome,
  type OutcomeCounts,
  outcomeRecord,
  RestoreReport,
  renderReport,
} from "./report.js";
export { restoreSnapshot } from "./restore-snapshot.js";
export { hasSelector, SKIP_REASONS, type SkipContext, type SkipRecord, skipReason } from "./skip.js";
