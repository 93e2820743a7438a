import { ID_BYTES, IdTable, idBytesOf } from "./id-table.js";

/**
 * A set of blob ids, each kept as its 32 bytes in an IdTable, not as a string: the compressing
 * thread keeps every id a pack writer gave it, and a Set of 100,000 strings is about 10 MB its
 * isolate marks at every full collection, where the table is two typed arrays it does not look
 * into (docs/benchmarks.md, "Session 2026-12-05 (eighth)").
 */
export class IdSet {
  private readonly table = new IdTable();
  private readonly scratch = Buffer.alloc(ID_BYTES);

  get size(): number {
    return this.table.size;
  }

  /** Adds `id` (64 hex digits); false when it was there already. Throws, naming it, for anything else. */
  add(id: string): boolean {
    return this.table.add(idBytesOf(id, this.scratch)) >= 0;
  }
}
