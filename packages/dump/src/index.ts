export {
  dependantTypes,
  type PlanStep,
  type ResolvedTarget,
  resolveTarget,
  TargetNotFoundError,
} from "./application.js";
export type { DumpSink } from "./dump-sink.js";
export { type DumpDeps, type DumpProgress, type DumpResult, runDump } from "./engine.js";
export { type CompiledFilters, compileFilters, UnknownResourceError } from "./filters.js";
export {
  dumpOptionsOfSnapshot,
  type LiveSide,
  type LiveSideDeps,
  liveSide,
  SnapshotScopeError,
} from "./live-side.js";
export { anyGlob } from "./glob.js";
export { type DumpFilters, type DumpOptions, EXCLUDE_LABEL, type Scope, type TargetRef } from "./options.js";
export { type RecordCoordinates, type RecordFilterOptions, recordFilter } from "./record-filter.js";
export { reorder, SERVER_SET_ANNOTATIONS, SERVER_SET_METADATA, sanitize } from "./sanitize.js";
export { matches, parseSelector, type Requirement, SelectorSyntaxError } from "./selector.js";
export { storedYaml, toYaml } from "./serialize.js";
export {
  describeScope,
  type TakenSnapshot,
  type TakeSnapshotDeps,
  type TakeSnapshotInput,
  takeSnapshot,
} from "./snapshot.js";
export { type ConfigDumpSpec, configDumpSpec, dumpOptionsOf, scopeOf } from "./from-spec.js";
export { yamlDump } from "./yaml.js";
export { DUMP_V8_FLAGS, tuneV8ForDumps } from "./v8-tuning.js";
