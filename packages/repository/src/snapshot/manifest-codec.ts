import type { IndexRecord } from "../archive/types.js";
import { RepositoryFormatError } from "../errors.js";
import { type JsonObject, JsonFields, isObject, shown } from "./json-fields.js";
import { MAX_PART, snapshotIndexKey, snapshotPartKey } from "./layout.js";
import type { RepositoryConfig, SnapshotManifest } from "./types.js";

/*
 * Reading the repository's JSON files back. A repository is untrusted input: every field a reader
 * relies on is checked here, so a file from another tool, a newer format, or a damaged or forged
 * one fails with RepositoryFormatError naming the file and the field, and nothing else.
 */

function parseJson(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RepositoryFormatError(key, "not valid JSON", { cause: err });
  }
}

function checkFormatVersion(key: string, value: JsonObject): void {
  if (value["formatVersion"] !== 1) {
    throw new RepositoryFormatError(key, `unsupported formatVersion ${shown(value["formatVersion"])}`);
  }
}

export function encodeJson(value: SnapshotManifest | RepositoryConfig): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * snapshot.json, every field the readers rely on checked: a file from another tool, a newer format
 * or a forged one fails here with RepositoryFormatError naming the field, not later in a reader.
 * Parts and index must sit at the keys the layout gives them, so a manifest cannot point a reader
 * at another snapshot's files.
 */
export function decodeManifest(key: string, id: string, data: Buffer): SnapshotManifest {
  const value = parseJson(key, data.toString("utf8"));
  if (!isObject(value)) throw new RepositoryFormatError(key, "not a JSON object");
  checkFormatVersion(key, value);
  if (value["id"] !== id) throw new RepositoryFormatError(key, `records id ${shown(value["id"])}`);
  const fields = new JsonFields(key, value);
  for (const name of ["time", "completedAt"]) fields.string(name);
  for (const name of ["objects", "bytes", "storedBytes"]) fields.count(name);
  const source = fields.object("source");
  source.string("kind");
  for (const name of ["namespace", "name", "invoker"]) source.optionalString(name);
  const cluster = fields.object("cluster");
  for (const name of ["server", "version"]) cluster.optionalString(name);
  const scope = fields.object("scope");
  scope.string("type");
  for (const name of ["namespace", "target"]) scope.optionalString(name);
  fields.record("params", (params, name) => params.string(name));
  fields.record("counts", (counts, name) => counts.count(name));
  for (const [i, warning] of fields.array("warnings").entries())
    if (typeof warning !== "string") fields.fail(`warnings[${i}]`, "must be a string");
  const seen = new Set<number>();
  for (const part of fields.objects("parts")) {
    const n = part.count("n");
    if (n > MAX_PART || seen.has(n)) part.fail("n", n > MAX_PART ? `above ${MAX_PART}` : `part ${n} is recorded twice`);
    seen.add(n);
    checkStoredFile(part, snapshotPartKey(id, n), "objects");
  }
  checkStoredFile(fields.object("index"), snapshotIndexKey(id), "records");
  return value as unknown as SnapshotManifest;
}

/** A part or the index: its key as the layout builds it, a count, and the size and sha256 as stored. */
function checkStoredFile(file: JsonFields, expectedKey: string, countField: string): void {
  if (file.string("key") !== expectedKey) file.fail("key", `must be ${expectedKey}, got ${shown(file.value["key"])}`);
  file.count(countField);
  file.count("bytes");
  file.sha256("sha256");
}

function isEncryptionConfig(value: unknown): boolean {
  if (!isObject(value) || typeof value["cipher"] !== "string" || typeof value["keyCheck"] !== "string") return false;
  const kdf = value["kdf"];
  return (
    isObject(kdf) &&
    typeof kdf["name"] === "string" &&
    typeof kdf["salt"] === "string" &&
    ["N", "r", "p"].every((field) => Number.isSafeInteger(kdf[field]))
  );
}

/** Shape only; the KDF parameters and cipher are checked where the password is applied. */
export function decodeRepositoryConfig(key: string, data: Buffer): RepositoryConfig {
  const value = parseJson(key, data.toString("utf8"));
  if (!isObject(value)) throw new RepositoryFormatError(key, "not a JSON object");
  checkFormatVersion(key, value);
  new JsonFields(key, value).string("created");
  if (value["encryption"] !== null && !isEncryptionConfig(value["encryption"])) {
    throw new RepositoryFormatError(key, "encryption parameters missing or malformed");
  }
  return value as unknown as RepositoryConfig;
}

const RECORD_STRINGS = ["path", "group", "version", "resource", "kind", "name", "uid"];
/** The string fields of an owner reference, as an index records it (format 1's index, format 2's trees). */
export const OWNER_STRINGS = ["apiVersion", "kind", "name", "uid"];

/** One line of the index, every field checked; RepositoryFormatError naming the line and the field. */
export function decodeIndexLine(key: string, lineNumber: number, line: string): IndexRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new RepositoryFormatError(key, `line ${lineNumber}: not valid JSON`, { cause: err });
  }
  const record = JsonFields.of(key, value, `line ${lineNumber}: `);
  for (const name of RECORD_STRINGS) record.string(name);
  record.optionalString("namespace");
  record.sha256("sha256");
  record.count("bytes");
  record.count("part");
  if (record.value["ownerReferences"] !== undefined) {
    for (const owner of record.objects("ownerReferences")) {
      for (const name of OWNER_STRINGS) owner.string(name);
      const controller = owner.value["controller"];
      if (controller !== undefined && typeof controller !== "boolean")
        owner.fail("controller", "must be true or false");
    }
  }
  return value as unknown as IndexRecord;
}
