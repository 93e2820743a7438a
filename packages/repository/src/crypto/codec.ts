import { type Duplex, PassThrough } from "node:stream";

/**
 * The seam for client-side encryption: parts and index pass through `encoder(key)` on their way
 * into the store and through `decoder(key)` on their way out. The key is given so an encrypting
 * codec can bind each ciphertext to its place (e.g. as AES-GCM associated data). Manifest sizes
 * and hashes are of the encoded (stored) bytes.
 */
export interface ObjectCodec {
  encoder(key: string): Duplex;
  decoder(key: string): Duplex;
}

/** Stores bytes as they are. */
export const plainCodec: ObjectCodec = {
  encoder: () => new PassThrough(),
  decoder: () => new PassThrough(),
};
