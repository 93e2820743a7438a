import type { Readable } from "node:stream";

/** One stored object as a listing reports it. */
export interface ObjectEntry {
  /** `/`-separated key relative to the store's root (or bucket prefix). */
  key: string;
  size: number;
  /** Last modification time, when the backend can tell it. */
  mtime?: Date;
}

/** How putIfAbsent writes. */
export interface PutOptions {
  /**
   * S3 Object Lock: the object's retain-until, instead of the time of the write plus the store's
   * retention (one time for a whole commit: format 2's snapshot.json and what it needs). Stores
   * that lock nothing ignore it.
   */
  retainUntil?: Date;
}

/** What a caller knows of a body it puts. */
export interface PutHints {
  /**
   * The sha256 of a Buffer body, in hex (a pack's id is): a store that signs each payload's hash
   * (S3 over plain HTTP) sends it instead of hashing the body again. A wrong one fails the put.
   */
  sha256?: string;
}

export interface ObjectStat {
  size: number;
  mtime?: Date;
}

/**
 * Where repository files live: a local directory or an S3 bucket prefix. Keys are `/`-separated
 * relative paths; `..` segments and absolute keys are rejected. A put is atomic: readers see the
 * old object or the whole new one, never a half-written one.
 */
export interface ObjectStore {
  put(key: string, body: Buffer | Readable, hints?: PutHints): Promise<void>;
  /**
   * Writes the object only when the key is free, atomically against concurrent writers: resolves
   * false (and writes nothing) when the key already exists.
   */
  putIfAbsent(key: string, body: Buffer, options?: PutOptions): Promise<boolean>;
  putFile(key: string, localPath: string): Promise<void>;
  /**
   * Makes a finished local file the object under `key` without copying its bytes, where the store
   * can: a local store on the same filesystem hard-links it, then syncs it. Resolves false when it
   * cannot (another filesystem, no hard links); the caller then uploads the file. The file must not
   * change afterwards; deleting it is fine.
   */
  adoptFile?(key: string, localPath: string): Promise<boolean>;
  /** Throws ObjectNotFoundError naming the key when it is missing. */
  get(key: string): Promise<Readable>;
  /**
   * Throws ObjectNotFoundError naming the key when it is missing, and IntegrityError naming it when
   * it holds more than `maxBytes` (read no further than that, give or take a chunk).
   */
  getBuffer(key: string, maxBytes?: number): Promise<Buffer>;
  /**
   * The `length` bytes of the object from byte `offset` on, reading no others (an S3 ranged GET, a
   * positioned file read). ObjectNotFoundError naming the key when it is missing, IntegrityError
   * naming it when the range ends past the object's end, RangeError when `offset` or `length` is
   * not a non-negative integer. Stores that cannot read a range omit this; their readers fetch
   * the whole object instead.
   */
  getRange?(key: string, offset: number, length: number): Promise<Buffer>;
  /** undefined when the key is missing. */
  stat(key: string): Promise<ObjectStat | undefined>;
  /** Every key starting with `prefix` (a plain string prefix, as S3 has it), recursive, sorted. */
  list(prefix: string): AsyncIterable<ObjectEntry>;
  /**
   * Deleting a missing key is not an error. A key S3 Object Lock still retains is an
   * ObjectLockedError (every version of the key is deleted, not hidden behind a delete marker).
   */
  delete(key: string): Promise<void>;
  /** When the object's S3 Object Lock retention ends, if it is still locked; stores without locks omit this. */
  retainedUntil?(key: string): Promise<Date | undefined>;
  /**
   * S3 Object Lock: when an object this store writes at `writtenAt` is retained until; undefined
   * when the store locks nothing it writes. Stores without locks omit this (a local directory
   * cannot lock files: docs/object-lock.md).
   */
  retentionFor?(writtenAt: Date): Date | undefined;
  /**
   * S3 Object Lock: extends the retention of `key` to `until` when it ends earlier (never shortens
   * it); resolves with when it ends afterwards, undefined when the store locks nothing it writes.
   * ObjectNotFoundError when the key is missing. Stores without locks omit this.
   */
  extendRetention?(key: string, until: Date): Promise<Date | undefined>;
  /**
   * Removes uploads below `prefix` that started before `olderThan` and never finished (S3
   * multipart uploads, a local store's temporary files), left by a process that died mid-put.
   * They are never listed; this frees their space. Resolves with how many were removed.
   */
  removeIncompleteUploads(prefix: string, olderThan: Date): Promise<number>;
}
