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

/** A repository file (repository.json, snapshot.json, an index line) is not in a format we read. */
export class RepositoryFormatError extends Error {
  override readonly name = "RepositoryFormatError";
  readonly key: string;

  constructor(key: string, reason: string, options?: ErrorOptions) {
    super(`${key}: ${reason}`, options);
    this.key = key;
  }
}

/** Stored bytes differ from what the manifest recorded for them. */
export class IntegrityError extends Error {
  override readonly name = "IntegrityError";
  readonly key: string;

  constructor(key: string, reason: string, options?: ErrorOptions) {
    super(`${key}: ${reason}`, options);
    this.key = key;
  }
}

/** An archive path that is absolute or climbs out of its directory. */
export class UnsafePathError extends Error {
  override readonly name = "UnsafePathError";
  readonly path: string;

  constructor(path: string, reason: string) {
    super(`unsafe path "${path}": ${reason}`);
    this.path = path;
  }
}
