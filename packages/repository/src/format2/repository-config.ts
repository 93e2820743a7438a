import { createEncryptionConfig, type EncryptionConfig, unlockEncryption } from "../crypto/key-derivation.js";
import { EncryptionMismatchError, ObjectNotFoundError, RepositoryFormatError } from "../errors.js";
import { REPOSITORY_KEY } from "../snapshot/layout.js";
import { MAX_JSON_BYTES } from "../snapshot/read-limits.js";
import type { ObjectStore } from "../stores/object-store.js";
import { deriveFormat2Keys, type Format2Keys } from "./keys.js";
import { parseJsonFile } from "./manifest.js";

/** `repository.json` of a format-2 repository: format 1's fields, formatVersion 2. */
export interface RepositoryConfigV2 {
  formatVersion: 2;
  created: string;
  encryption: EncryptionConfig | null;
}

export interface Format2ConfigOptions {
  store: ObjectStore;
  /** The repository is (or becomes) encrypted with it. */
  password?: string;
  /** scrypt cost of a new encrypted repository (default N=2^16, r=8, p=1). */
  kdf?: { N?: number; r?: number; p?: number };
  now?: () => Date;
  /** repository.json as the caller already read it (null: there is none), so it is not read twice. */
  configBytes?: Buffer | null;
}

/** A format-2 repository.json read back, its shape checked (RepositoryFormatError naming the field otherwise). */
export function decodeConfigV2(data: Buffer): RepositoryConfigV2 {
  const fields = parseJsonFile(REPOSITORY_KEY, data);
  const version = fields.value["formatVersion"];
  if (version !== 2)
    fields.fail("formatVersion", `must be 2 for a format-2 repository, got ${JSON.stringify(version)}`);
  fields.string("created");
  if (fields.value["encryption"] !== null) {
    const encryption = fields.object("encryption");
    encryption.string("cipher");
    encryption.string("keyCheck");
    encryption.object("kdf").string("salt");
  }
  return fields.value as unknown as RepositoryConfigV2;
}

async function keysOf(config: RepositoryConfigV2, password: string | undefined): Promise<Format2Keys | null> {
  if (config.encryption === null) {
    if (password !== undefined) throw new EncryptionMismatchError(false);
    return null;
  }
  if (password === undefined) throw new EncryptionMismatchError(true);
  const { dataKey } = await unlockEncryption(REPOSITORY_KEY, password, config.encryption);
  return deriveFormat2Keys(dataKey);
}

async function readConfig(store: ObjectStore): Promise<RepositoryConfigV2 | undefined> {
  const data = await store.getBuffer(REPOSITORY_KEY, MAX_JSON_BYTES).catch((err: unknown) => {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  });
  return data && decodeConfigV2(data);
}

/** How to read and write a format-2 repository, decided from repository.json before any data is touched. */
export interface Format2Config {
  /** null: unencrypted. */
  keys: Format2Keys | null;
  /** Writes repository.json if the store has none yet, before the first write; resolves with the keys to write with. */
  ensureWritten(): Promise<Format2Keys | null>;
}

/**
 * The keys of the format-2 repository in `store` (null: unencrypted). A store without
 * repository.json gets one on the first write, only if still absent: when another writer created
 * it first, its parameters win and the keys are derived again from them.
 */
export async function openFormat2Config(options: Format2ConfigOptions): Promise<Format2Config> {
  if (options.password === "") throw new TypeError("openFormat2Repository: the encryption password is empty");
  const { configBytes } = options;
  const existing =
    configBytes === undefined ? await readConfig(options.store) : configBytes && decodeConfigV2(configBytes);
  if (existing) {
    const keys = await keysOf(existing, options.password);
    return { keys, ensureWritten: async () => keys };
  }
  const created = (options.now ?? (() => new Date()))().toISOString();
  let config: RepositoryConfigV2 = { formatVersion: 2, created, encryption: null };
  let keys: Format2Keys | null = null;
  if (options.password !== undefined) {
    const made = await createEncryptionConfig(options.password, options.kdf);
    config = { ...config, encryption: made.config };
    keys = deriveFormat2Keys(made.keys.dataKey);
  }
  const ensureWritten = async () => {
    if (await options.store.putIfAbsent(REPOSITORY_KEY, Buffer.from(`${JSON.stringify(config, null, 2)}\n`)))
      return keys;
    const winner = await readConfig(options.store);
    if (!winner) throw new RepositoryFormatError(REPOSITORY_KEY, "created by another writer, then gone");
    return keysOf(winner, options.password);
  };
  return { keys, ensureWritten };
}
