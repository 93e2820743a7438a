import { createCipheriv, createDecipheriv, createHmac, hash, hkdfSync, randomBytes } from "node:crypto";

/*
 * Format 2's keys, derived from the data key that the repository's password unlocks
 * (crypto/key-derivation.ts): one names blobs, one encrypts them. Unencrypted repositories have
 * no keys: a blob's id is the sha256 of its plaintext, and nothing is sealed.
 */

/** What an encrypted format-2 repository derives from its data key. */
export interface Format2Keys {
  /** HMAC-SHA256 key that turns a blob's plaintext into its id. */
  idKey: Buffer;
  /** AES-256-GCM key of blobs, pack headers and index files. */
  sealKey: Buffer;
}

const ID_INFO = "kubedump format 2 blob id key";
const SEAL_INFO = "kubedump format 2 seal key";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes a sealed box adds to its plaintext: nonce and tag. */
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;

/** HKDF-SHA256 of the data key, empty salt, one info string per key. */
export function deriveFormat2Keys(dataKey: Buffer): Format2Keys {
  const derive = (info: string) => Buffer.from(hkdfSync("sha256", dataKey, Buffer.alloc(0), info, 32));
  return { idKey: derive(ID_INFO), sealKey: derive(SEAL_INFO) };
}

/** The 32-byte id of a blob's plaintext: sha256, or HMAC-SHA256 under idKey when encrypted. */
export function blobIdBytes(keys: Format2Keys | null, plaintext: Buffer): Buffer {
  if (keys === null) return hash("sha256", plaintext, "buffer"); // one-shot: no Hash object
  return createHmac("sha256", keys.idKey).update(plaintext).digest();
}

/** The blob id as lowercase hex, as trees and errors show it. */
export function blobId(keys: Format2Keys | null, plaintext: Buffer): string {
  // unencrypted: one-shot, straight to hex (no Hash object, no digest buffer)
  if (keys === null) return hash("sha256", plaintext, "hex");
  return blobIdBytes(keys, plaintext).toString("hex");
}

/** nonce (12 random bytes) | AES-256-GCM ciphertext | tag (16), bound to `aad`. */
export function seal(keys: Format2Keys, plaintext: Buffer, aad: Buffer): Buffer {
  return Buffer.concat(sealParts(keys, [plaintext], aad));
}

/**
 * seal's box of the plaintext `parts` one after another, as parts to be written one after
 * another: none of the plaintext or the ciphertext copied into one buffer.
 */
export function sealParts(keys: Format2Keys, parts: readonly Buffer[], aad: Buffer): Buffer[] {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keys.sealKey, nonce);
  cipher.setAAD(aad);
  const body = parts.map((part) => cipher.update(part));
  return [nonce, ...body, cipher.final(), cipher.getAuthTag()];
}

/** The plaintext of a sealed box, or undefined when it fails authentication (changed, truncated or moved). */
export function open(keys: Format2Keys, sealed: Buffer, aad: Buffer): Buffer | undefined {
  if (sealed.length < SEAL_OVERHEAD) return undefined;
  const decipher = createDecipheriv("aes-256-gcm", keys.sealKey, sealed.subarray(0, NONCE_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
