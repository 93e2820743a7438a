// @kubedump/repository/archive: what a producer writes a snapshot with, in a scratch directory:
// gzipped tar parts, the gzipped JSON Lines index, and the objects' sha256 computed off the
// thread that serializes.
export { sha256Each } from "./gzip-thread.js";
export { indexRecord, type RecordFields } from "./index-record.js";
export { createIndexWriter, type IndexWriter, type IndexWriterOptions } from "./index-writer.js";
export {
  createPartWriter,
  type PartEntry,
  type PartWriter,
  type PartWriterOptions,
  type PartWriterResult,
} from "./part-writer.js";
export type { IndexFile, IndexOwnerReference, IndexRecord, PartFile } from "./types.js";
