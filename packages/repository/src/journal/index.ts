// The journal of continuous capture (docs/format.md, "Journal (format 2)"): segments of changes
// between format-2 snapshots, their YAML stored as format-2 blobs; the state at any moment.
export { type ChangeInput, JournalBacklogError, JournalWriter, type JournalWriterOptions } from "./journal-writer.js";
export {
  BACKLOG_FACTOR,
  DEFAULT_FLUSH_EVERY_BYTES,
  DEFAULT_FLUSH_EVERY_CHANGES,
  DEFAULT_FLUSH_EVERY_MS,
} from "./journal-writer.js";
export { JournalReader, type JournalReaderOptions } from "./journal-reader.js";
export type { JournalSlice, TimeRange } from "./journal-slice.js";
export { JOURNAL_PREFIX, type JournalScope, type SegmentInfo, scopeIdOf } from "./layout.js";
export type { JournalPruneReport } from "./journal-prune.js";
export type { ChangeKind, GapReason, JournalChange, JournalGap, JournalRecord, ObjectRef } from "./records.js";
export { describeRef, objectKey } from "./records.js";
export { type JournalAnchor, type JournalState, NoAnchorError, type StateObject } from "./state-at.js";
export { openJournalKeys } from "./journal-keys.js";
export { type JournalExtent, listJournalScopes } from "./journal-scopes.js";
export { type Moment, type MomentObject, MomentRepository } from "./moment-repository.js";
export {
  type JournalHistoryDeps,
  type JournalHistoryEntry,
  type JournalHistoryGap,
  type JournalObjectHistory,
  journalObjectHistory,
} from "./object-changes.js";
