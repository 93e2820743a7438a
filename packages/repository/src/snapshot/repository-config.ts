import { createEncryptionCodec } from "../crypto/chunked-aead.js";
import { type ObjectCodec, plainCodec } from "../crypto/codec.js";
import type { ScryptParams } from "../crypto/key-derivation.js";
import { createEncryptionConfig, unlockEncryption } from "../crypto/key-derivation.js";
import { EncryptionMismatchError, ObjectNotFoundError } from "../errors.js";
import type { ObjectStore } from "../stores/object-store.js";
import { REPOSITORY_KEY } from "./layout.js";
import { decodeRepositoryConfig, encodeJson } from "./manifest-codec.js";
import { MAX_JSON_BYTES } from "./read-limits.js";
import type { RepositoryConfig } from "./types.js";

export interface ConfigOptions {
  /** Encrypts parts and index; the repository must be (or become) encrypted with it. */
  password?: string;
  /** A custom codec for an unencrypted repository (tests); excludes `password`. */
  codec?: ObjectCodec;
  /** scrypt cost for a new encrypted repository (default N=2^16, r=8, p=1). */
  kdf?: Partial<Omit<ScryptParams, "name" | "salt">>;
  now: () => Date;
}

/** How to read and write a repository, decided from repository.json before any data is touched. */
export interface ResolvedConfig {
  codec: ObjectCodec;
  encrypted: boolean;
  /** repository.json to create on the first write, when the store has none yet. */
  pending?: Buffer;
}

export async function readRepositoryConfig(store: ObjectStore): Promise<RepositoryConfig | undefined> {
  const data = await store.getBuffer(REPOSITORY_KEY, MAX_JSON_BYTES).catch((err: unknown) => {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  });
  return data === undefined ? undefined : decodeRepositoryConfig(REPOSITORY_KEY, data);
}

/** The codec for an existing repository.json; checks the password against its key check. */
export async function resolveExisting(config: RepositoryConfig, options: ConfigOptions): Promise<ResolvedConfig> {
  if (config.encryption === null) {
    if (options.password !== undefined) throw new EncryptionMismatchError(false);
    return { codec: options.codec ?? plainCodec, encrypted: false };
  }
  if (options.password === undefined) throw new EncryptionMismatchError(true);
  const { dataKey } = await unlockEncryption(REPOSITORY_KEY, options.password, config.encryption);
  return { codec: createEncryptionCodec(dataKey), encrypted: true };
}

/** A repository.json for a store that has none, written on the first write. */
async function resolveNew(options: ConfigOptions): Promise<ResolvedConfig> {
  const created = options.now().toISOString();
  if (options.password === undefined) {
    const config: RepositoryConfig = { formatVersion: 1, created, encryption: null };
    return { codec: options.codec ?? plainCodec, encrypted: false, pending: encodeJson(config) };
  }
  const { config: encryption, keys } = await createEncryptionConfig(options.password, options.kdf);
  const config: RepositoryConfig = { formatVersion: 1, created, encryption };
  return { codec: createEncryptionCodec(keys.dataKey), encrypted: true, pending: encodeJson(config) };
}

export async function resolveConfig(
  store: ObjectStore,
  options: ConfigOptions,
  /** repository.json's bytes when the caller has read them already (undefined inside: there is none). */
  stored?: { data: Buffer | undefined },
): Promise<ResolvedConfig> {
  if (options.password !== undefined && options.codec !== undefined) {
    throw new TypeError("openRepository: give either a password or a codec, not both");
  }
  if (options.password === "") throw new TypeError("openRepository: the encryption password is empty");
  const existing = stored
    ? stored.data && decodeRepositoryConfig(REPOSITORY_KEY, stored.data)
    : await readRepositoryConfig(store);
  return existing ? resolveExisting(existing, options) : resolveNew(options);
}
