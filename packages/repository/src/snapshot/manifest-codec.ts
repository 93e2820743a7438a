import type { IndexRecord } from "../archive/types.js";
import { RepositoryFormatError } from "../errors.js";
import type { RepositoryConfig, SnapshotManifest } from "./types.js";

/*
 * Reading the repository's JSON files back. The checks are shallow on purpose: they catch a file
 * from another tool or a newer format, and fields we rely on (parts, index) being absent.
 */

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseJson(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RepositoryFormatError(key, "not valid JSON", { cause: err });
  }
}

function checkFormatVersion(key: string, value: JsonObject): void {
  if (value["formatVersion"] !== 1) {
    throw new RepositoryFormatError(key, `unsupported formatVersion ${JSON.stringify(value["formatVersion"])}`);
  }
}

function isDigestRecord(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value["key"] === "string" &&
    typeof value["sha256"] === "string" &&
    Number.isSafeInteger(value["bytes"])
  );
}

export function encodeJson(value: SnapshotManifest | RepositoryConfig): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}

export function decodeManifest(key: string, id: string, data: Buffer): SnapshotManifest {
  const value = parseJson(key, data.toString("utf8"));
  if (!isObject(value)) throw new RepositoryFormatError(key, "not a JSON object");
  checkFormatVersion(key, value);
  if (value["id"] !== id) throw new RepositoryFormatError(key, `records id ${JSON.stringify(value["id"])}`);
  const parts = value["parts"];
  if (!Array.isArray(parts) || !parts.every((p) => isDigestRecord(p) && Number.isSafeInteger(p.n))) {
    throw new RepositoryFormatError(key, "parts missing or malformed");
  }
  if (!isDigestRecord(value["index"])) throw new RepositoryFormatError(key, "index missing or malformed");
  return value as unknown as SnapshotManifest;
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
  if (value["encryption"] !== null && !isEncryptionConfig(value["encryption"])) {
    throw new RepositoryFormatError(key, "encryption parameters missing or malformed");
  }
  return value as unknown as RepositoryConfig;
}

export function decodeIndexLine(key: string, lineNumber: number, line: string): IndexRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new RepositoryFormatError(key, `line ${lineNumber}: not valid JSON`, { cause: err });
  }
  if (!isObject(value) || typeof value["path"] !== "string" || !Number.isSafeInteger(value["part"])) {
    throw new RepositoryFormatError(key, `line ${lineNumber}: not an index record`);
  }
  return value as unknown as IndexRecord;
}
