import { createEncryptionCodec } from "../crypto/chunked-aead.js";
import { type ObjectCodec, plainCodec } from "../crypto/codec.js";
import { type EncryptionConfig, unlockEncryption } from "../crypto/key-derivation.js";
import { EncryptionMismatchError, RepositoryFormatError } from "../errors.js";
import { REPOSITORY_KEY } from "../snapshot/layout.js";
import { decodeRepositoryConfig } from "../snapshot/manifest-codec.js";
import type { ObjectStore } from "../stores/object-store.js";
import { deriveFormat2Keys, type Format2Keys } from "./keys.js";
import { parseJsonFile } from "./manifest.js";
import { formatVersionOf, readStoredConfigBytes } from "./open-as-repository.js";
import { decodeConfigV2 } from "./repository-config.js";

/** A repository opened for migration: both formats' keys, from one password check. */
export interface MigrationKeys {
  /** repository.json's formatVersion before the migration. */
  formatVersion: 1 | 2;
  /** Format 1's codec, which reads format-1 parts and index. */
  codec: ObjectCodec;
  /** Format 2's keys (null: unencrypted). */
  keys: Format2Keys | null;
  /** repository.json as stored. */
  data: Buffer;
}

function encryptionOf(data: Buffer | undefined): { version: 1 | 2; encryption: EncryptionConfig | null } {
  if (data === undefined) throw new RepositoryFormatError(REPOSITORY_KEY, "missing: no repository at this location");
  const version = formatVersionOf(data);
  if (version === 2) return { version, encryption: decodeConfigV2(data).encryption };
  return { version: 1, encryption: decodeRepositoryConfig(REPOSITORY_KEY, data).encryption };
}

/**
 * Reads repository.json (format 1 or 2) and checks the password against its key check before
 * anything is written: WrongPasswordError, EncryptionMismatchError, or RepositoryFormatError.
 * The data key is format 1's and format 2's both (docs/format.md, "Keys and blob ids").
 */
export async function openForMigration(store: ObjectStore, password: string | undefined): Promise<MigrationKeys> {
  if (password === "") throw new TypeError("migrateRepository: the encryption password is empty");
  const data = await readStoredConfigBytes(store);
  const { version, encryption } = encryptionOf(data);
  const stored = data as Buffer;
  if (encryption === null) {
    if (password !== undefined) throw new EncryptionMismatchError(false);
    return { formatVersion: version, codec: plainCodec, keys: null, data: stored };
  }
  if (password === undefined) throw new EncryptionMismatchError(true);
  const { dataKey } = await unlockEncryption(REPOSITORY_KEY, password, encryption);
  return {
    formatVersion: version,
    codec: createEncryptionCodec(dataKey),
    keys: deriveFormat2Keys(dataKey),
    data: stored,
  };
}

/**
 * Rewrites a format-1 repository.json as formatVersion 2, every other field (created, the
 * encryption parameters and key check) kept, and reads it back. One put: a reader sees the old
 * file or the new one.
 */
export async function rewriteConfigAsFormat2(store: ObjectStore, data: Buffer): Promise<void> {
  const fields = parseJsonFile(REPOSITORY_KEY, data).value;
  const rewritten = Buffer.from(`${JSON.stringify({ ...fields, formatVersion: 2 }, null, 2)}\n`);
  await store.put(REPOSITORY_KEY, rewritten);
  decodeConfigV2(await store.getBuffer(REPOSITORY_KEY));
}
