import { hash } from "node:crypto";
import type { IndexRecord } from "../archive/types.js";
import { IntegrityError } from "../errors.js";
import { type ReaderDeps, readPartFiles } from "../snapshot/snapshot-readers.js";
import type { SnapshotManifest, SnapshotObject } from "../snapshot/types.js";

/** What a selection needs of a record: where the object sits, and its digest to check it against. */
export type SelectedRecord = Pick<IndexRecord, "path" | "part" | "sha256">;

/** Wanted paths per part number, parts in ascending order. */
function groupByPart(records: readonly SelectedRecord[]): Map<number, Map<string, SelectedRecord>> {
  const parts = new Map<number, Map<string, SelectedRecord>>();
  for (const record of [...records].sort((a, b) => a.part - b.part)) {
    const wanted = parts.get(record.part) ?? new Map<string, SelectedRecord>();
    parts.set(record.part, wanted.set(record.path, record));
  }
  return parts;
}

/**
 * The objects of `records` from a committed snapshot, reading only the parts that hold them, each
 * once, and leaving a part as soon as its last wanted object is read (the rest of it is never
 * downloaded). Each object is checked against its record's sha256, since a part left early is
 * never checked as a whole; a record naming a part the snapshot lacks, or an object its part does
 * not hold, fails with IntegrityError too.
 */
export async function* readSelectedObjects(
  deps: ReaderDeps,
  manifest: SnapshotManifest,
  records: readonly SelectedRecord[],
): AsyncGenerator<SnapshotObject> {
  for (const [n, wanted] of groupByPart(records)) {
    const part = manifest.parts.find((p) => p.n === n);
    const [first] = wanted.keys();
    if (!part)
      throw new IntegrityError(manifest.index.key, `the index puts ${first} in part ${n}, which is not stored`);
    for await (const file of readPartFiles(deps, manifest, part)) {
      const record = wanted.get(file.path);
      if (!record) continue;
      const sha256 = hash("sha256", file.data);
      if (sha256 !== record.sha256)
        throw new IntegrityError(part.key, `${file.path} does not match the sha256 the index records`);
      wanted.delete(file.path);
      yield { path: file.path, data: file.data, part: n };
      if (wanted.size === 0) break;
    }
    const [missing] = wanted.keys();
    if (missing !== undefined)
      throw new IntegrityError(part.key, `${missing} is not in this part, though the index says it is`);
  }
}
