import { createHmac, hkdfSync, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { RepositoryFormatError, WrongPasswordError } from "../errors.js";

/** The memory-hard KDF that turns the password into the master key. */
export interface ScryptParams {
  name: "scrypt";
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
  /** Base64 of the random salt. */
  salt: string;
}

/** How parts and index are encrypted; recorded in repository.json. */
export interface EncryptionConfig {
  kdf: ScryptParams;
  cipher: "aes-256-gcm";
  /** Base64 HMAC-SHA256 under a subkey of the master key: tells a wrong password from repository.json alone. */
  keyCheck: string;
}

const scryptAsync = promisify(scrypt) as (
  password: string | Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/**
 * N=2^16, r=8, p=1: 64 MiB (128·N·r) per derivation, done once per opened repository; its time is
 * in docs/benchmarks.md, "Figures that were code comments".
 */
export const DEFAULT_SCRYPT: Omit<ScryptParams, "name" | "salt"> = { N: 2 ** 16, r: 8, p: 1 };
/** Bounds on what a repository.json may ask for, so a hostile one cannot exhaust memory. */
const LIMITS = { minN: 2 ** 10, maxN: 2 ** 20, maxR: 32, maxP: 16, minSalt: 16 };
const SALT_BYTES = 32;
const KEY_CHECK_MESSAGE = "kubedump repository key check v1";

/** What a password unlocks: the key that encrypts parts and index. */
export interface RepositoryKeys {
  dataKey: Buffer;
}

/** scrypt's memory is 128·N·r bytes; maxmem leaves room above that. */
function maxmem({ N, r }: { N: number; r: number }): number {
  return 256 * N * r + 1024 * 1024;
}

function checkParams(key: string, kdf: ScryptParams): Buffer {
  const { N, r, p } = kdf;
  const powerOfTwo = Number.isSafeInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (kdf.name !== "scrypt" || !powerOfTwo || N < LIMITS.minN || N > LIMITS.maxN) {
    throw new RepositoryFormatError(key, `unsupported kdf ${JSON.stringify({ name: kdf.name, N })}`);
  }
  if (!Number.isInteger(r) || r < 1 || r > LIMITS.maxR || !Number.isInteger(p) || p < 1 || p > LIMITS.maxP) {
    throw new RepositoryFormatError(key, `unsupported scrypt parameters r=${r} p=${p}`);
  }
  const salt = Buffer.from(kdf.salt, "base64");
  if (salt.length < LIMITS.minSalt) throw new RepositoryFormatError(key, "kdf salt too short");
  return salt;
}

/** The master key splits into independent subkeys: one encrypts, one only proves the password. */
function subkeys(master: Buffer, salt: Buffer): { dataKey: Buffer; checkKey: Buffer } {
  const derive = (info: string) => Buffer.from(hkdfSync("sha256", master, salt, info, 32));
  return { dataKey: derive("kubedump data key v1"), checkKey: derive("kubedump key check v1") };
}

function keyCheckOf(checkKey: Buffer): Buffer {
  return createHmac("sha256", checkKey).update(KEY_CHECK_MESSAGE).digest();
}

async function masterKey(password: string, kdf: ScryptParams, salt: Buffer): Promise<Buffer> {
  return scryptAsync(password.normalize("NFC"), salt, 32, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: maxmem(kdf) });
}

/** New encryption parameters for a new repository: random salt, key check of `password`. */
export async function createEncryptionConfig(
  password: string,
  params: Partial<Omit<ScryptParams, "name" | "salt">> = {},
): Promise<{ config: EncryptionConfig; keys: RepositoryKeys }> {
  const kdf: ScryptParams = {
    name: "scrypt",
    ...DEFAULT_SCRYPT,
    ...params,
    salt: randomBytes(SALT_BYTES).toString("base64"),
  };
  const salt = checkParams("repository.json", kdf);
  const { dataKey, checkKey } = subkeys(await masterKey(password, kdf, salt), salt);
  const config: EncryptionConfig = { kdf, cipher: "aes-256-gcm", keyCheck: keyCheckOf(checkKey).toString("base64") };
  return { config, keys: { dataKey } };
}

/**
 * Derives the keys from `password` and the parameters in repository.json (`key` names it in
 * errors). Throws WrongPasswordError when the key check does not match; nothing else is read.
 */
export async function unlockEncryption(
  key: string,
  password: string,
  config: EncryptionConfig,
): Promise<RepositoryKeys> {
  if (config.cipher !== "aes-256-gcm")
    throw new RepositoryFormatError(key, `unsupported cipher ${JSON.stringify(config.cipher)}`);
  const salt = checkParams(key, config.kdf);
  const { dataKey, checkKey } = subkeys(await masterKey(password, config.kdf, salt), salt);
  const expected = Buffer.from(config.keyCheck, "base64");
  const actual = keyCheckOf(checkKey);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw new WrongPasswordError();
  return { dataKey };
}
