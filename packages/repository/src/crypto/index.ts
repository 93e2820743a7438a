// @kubedump/repository/crypto: client-side encryption of stored objects. A password and the
// parameters in repository.json give the data key; a codec encrypts and decrypts each object,
// bound to its key, in chunks.
export { createEncryptionCodec } from "./chunked-aead.js";
export { type ObjectCodec, plainCodec } from "./codec.js";
export {
  createEncryptionConfig,
  type EncryptionConfig,
  type RepositoryKeys,
  type ScryptParams,
  unlockEncryption,
} from "./key-derivation.js";
