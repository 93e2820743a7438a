/** A key was read that the store does not hold. */
export class ObjectNotFoundError extends Error {
  override readonly name = "ObjectNotFoundError";
  readonly key: string;

  constructor(key: string, options?: ErrorOptions) {
    super(`object "${key}" not found`, options);
    this.key = key;
  }
}

/** A key that could escape the store or is otherwise unusable (`..`, absolute, empty segment). */
export class InvalidObjectKeyError extends Error {
  override readonly name = "InvalidObjectKeyError";
  readonly key: string;

  constructor(key: string, reason: string) {
    super(`invalid object key "${key}": ${reason}`);
    this.key = key;
  }
}

/** No committed snapshot has this id (also thrown for strings that are not snapshot ids). */
export class SnapshotNotFoundError extends Error {
  override readonly name = "SnapshotNotFoundError";
  readonly id: string;

  constructor(id: string, options?: ErrorOptions) {
    super(`snapshot "${id}" not found`, options);
    this.id = id;
  }
}

/** A snapshot with this id is already committed; committing again would overwrite its parts. */
export class SnapshotExistsError extends Error {
  override readonly name = "SnapshotExistsError";
  readonly id: string;

  constructor(id: string) {
    super(`snapshot "${id}" is already committed`);
    this.id = id;
  }
}

/** Something wrong with the stored object `key`: the message is `<key>: <reason>`. */
abstract class StoredObjectError extends Error {
  readonly key: string;
  /** What is wrong, without the key. */
  readonly reason: string;

  constructor(key: string, reason: string, options?: ErrorOptions) {
    super(`${key}: ${reason}`, options);
    this.key = key;
    this.reason = reason;
  }
}

/** A repository file (repository.json, snapshot.json, an index line) is not in a format we read. */
export class RepositoryFormatError extends StoredObjectError {
  override readonly name = "RepositoryFormatError";
}

/** Stored bytes differ from what the manifest recorded for them. */
export class IntegrityError extends StoredObjectError {
  override readonly name = "IntegrityError";
}

/** An archive path that is absolute or climbs out of its directory. */
export class UnsafePathError extends Error {
  override readonly name = "UnsafePathError";
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(`unsafe path ${JSON.stringify(path)}: ${reason}`);
    this.path = path;
    this.reason = reason;
  }
}

/** The encryption password does not match the key check in repository.json. Nothing was read. */
export class WrongPasswordError extends Error {
  override readonly name = "WrongPasswordError";

  constructor(options?: ErrorOptions) {
    super("wrong encryption password: it does not match the key check in repository.json", options);
  }
}

/**
 * The repository is encrypted and no password was given, or the other way round: an encrypted
 * repository refuses unencrypted writes and an unencrypted one refuses encrypted writes.
 */
export class EncryptionMismatchError extends Error {
  override readonly name = "EncryptionMismatchError";
  readonly encrypted: boolean;

  constructor(encrypted: boolean) {
    super(
      encrypted
        ? "the repository is encrypted: set ENCRYPTION_PASSWORD (or RESTIC_PASSWORD) to use it"
        : "the repository is not encrypted, but an encryption password was given: unset ENCRYPTION_PASSWORD and RESTIC_PASSWORD to use it",
    );
    this.encrypted = encrypted;
  }
}

/**
 * The object store cannot be reached: connection refused or reset, DNS, timeouts, or a TLS
 * certificate that is not trusted. `endpoint` is the URL without credentials.
 */
export class StoreUnreachableError extends Error {
  override readonly name = "StoreUnreachableError";
  readonly endpoint: string;

  constructor(endpoint: string, reason: string, options?: ErrorOptions) {
    super(`cannot reach the object store at ${endpoint}: ${reason}`, options);
    this.endpoint = endpoint;
  }
}

/** The object store refused the credentials or the request (S3 AccessDenied and its kin). */
export class StoreAccessDeniedError extends Error {
  override readonly name = "StoreAccessDeniedError";
  readonly endpoint: string;
  readonly bucket: string;

  /** `options.credentials`: where the refused credentials came from, when not from static keys. */
  constructor(endpoint: string, bucket: string, code: string, options?: ErrorOptions & { credentials?: string }) {
    const check = options?.credentials
      ? `check what the credentials from ${options.credentials} may do`
      : "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
    super(`the object store at ${endpoint} denied access to bucket "${bucket}" (${code}): ${check}`, options);
    this.endpoint = endpoint;
    this.bucket = bucket;
  }
}

/** A request to the object store failed for a reason other than the ones above. */
export class StoreRequestError extends Error {
  override readonly name = "StoreRequestError";
  readonly key: string;
  /** The S3 error code, e.g. `InternalError`; "" when there was none. */
  readonly code: string;

  constructor(operation: string, key: string, code: string, message: string, options?: ErrorOptions) {
    super(`object store ${operation} "${key}" failed: ${code ? `${code}: ` : ""}${message}`, options);
    this.key = key;
    this.code = code;
  }
}

/** A delete refused because S3 Object Lock retains the object until `retainUntil`. */
export class ObjectLockedError extends Error {
  override readonly name = "ObjectLockedError";
  readonly key: string;
  readonly retainUntil: Date | undefined;

  constructor(key: string, retainUntil: Date | undefined, options?: ErrorOptions) {
    const until = retainUntil ? `until ${retainUntil.toISOString()}` : "(retention date unknown)";
    super(`object "${key}" is locked by S3 Object Lock ${until}; it cannot be deleted before then`, options);
    this.key = key;
    this.retainUntil = retainUntil;
  }
}

/** A backend description or its Secret is incomplete or invalid (names the field, never a value). */
export class BackendConfigError extends Error {
  override readonly name = "BackendConfigError";
}

/**
 * No S3 credentials could be had from the AWS chain (environment, web identity, container,
 * instance metadata): the message says which source was tried and why it failed, never a token or
 * key. `transient`: the source did not answer (worth another try), rather than refused.
 */
export class CredentialsError extends Error {
  override readonly name = "CredentialsError";
  readonly transient: boolean;
  /** Nothing in the environment says where credentials come from (and instance metadata is off). */
  readonly unconfigured: boolean;

  constructor(message: string, options?: ErrorOptions & { transient?: boolean; unconfigured?: boolean }) {
    super(message, options);
    this.transient = options?.transient ?? false;
    this.unconfigured = options?.unconfigured ?? false;
  }
}

/** A Repository names a storage Secret that does not exist (yet: it may be created after the Repository). */
export class StorageSecretNotFoundError extends Error {
  override readonly name = "StorageSecretNotFoundError";
}
