import type { IndexRecord } from "@kubedump/repository/archive";

/**
 * Where dumped objects go: the archive parts and the index (see @kubedump/repository), a page of
 * objects at a time. `addObjects` resolves with the part that holds each object, for its record.
 */
export interface DumpSink {
  addObjects(entries: readonly { path: string; data: Buffer }[]): Promise<number[]>;
  addRecords(records: readonly IndexRecord[]): Promise<void>;
}
