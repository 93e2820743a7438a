import { RepositoryFormatError } from "../errors.js";
import { JsonFields } from "../snapshot/json-fields.js";
import { snapshotManifestKey } from "../snapshot/layout.js";
import { isSnapshotId } from "../snapshot/snapshot-id.js";
import type { SnapshotManifest } from "../snapshot/types.js";
import { isHexId } from "./layout.js";

/** `snapshots/<id>/snapshot.json` of format 2: format 1's fields without parts and index, plus the tree. */
export interface SnapshotManifestV2 extends Omit<SnapshotManifest, "formatVersion" | "parts" | "index"> {
  formatVersion: 2;
  /** Blob id of the root tree node. */
  tree: string;
  /** Ids of the index files this snapshot wrote (none when every blob was in the repository already). */
  indexes: string[];
  /** Blobs and packs this snapshot stored; `storedBytes` counts their bytes and the index files'. */
  added: { blobs: number; packs: number };
}

/** What the producer knows before the writer runs: objects, bytes and counts the writer counts itself. */
export type SnapshotDraftV2 = Omit<
  SnapshotManifestV2,
  "formatVersion" | "counts" | "objects" | "bytes" | "storedBytes" | "tree" | "indexes" | "added"
>;

/** A repository file's JSON object, its fields to be read with their types checked; RepositoryFormatError naming `key` otherwise. */
export function parseJsonFile(key: string, data: Buffer): JsonFields {
  let value: unknown;
  try {
    value = JSON.parse(data.toString("utf8"));
  } catch (err) {
    throw new RepositoryFormatError(key, "not valid JSON", { cause: err });
  }
  return JsonFields.of(key, value);
}

/** A format-2 snapshot.json read back, every field a reader relies on checked (RepositoryFormatError otherwise). */
export function decodeManifestV2(id: string, data: Buffer): SnapshotManifestV2 {
  const fields = parseJsonFile(snapshotManifestKey(id), data);
  if (fields.value["formatVersion"] === 1)
    fields.fail(
      "formatVersion",
      "is 1: a format-1 snapshot in a format-2 repository; `kubedump migrate-repository` converts it",
    );
  if (fields.value["formatVersion"] !== 2) fields.fail("formatVersion", "must be 2");
  if (fields.string("id") !== id || !isSnapshotId(id)) fields.fail("id", `must be ${id}`);
  for (const name of ["time", "completedAt"]) fields.string(name);
  for (const name of ["objects", "bytes", "storedBytes"]) fields.count(name);
  fields.record("counts", (counts, name) => counts.count(name));
  for (const [i, warning] of fields.array("warnings").entries()) {
    if (typeof warning !== "string") fields.fail(`warnings[${i}]`, "must be a string");
  }
  fields.sha256("tree");
  for (const [i, ix] of fields.array("indexes").entries()) {
    if (typeof ix !== "string" || !isHexId(ix)) fields.fail(`indexes[${i}]`, "must be 64 hex digits");
  }
  for (const name of ["source", "cluster", "scope", "params"]) fields.object(name);
  return fields.value as unknown as SnapshotManifestV2;
}
