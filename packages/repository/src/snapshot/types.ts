import type { EncryptionConfig } from "../crypto/key-derivation.js";

export interface SnapshotSource {
  kind: "cli" | "BackupSession";
  namespace?: string;
  name?: string;
  /** e.g. `BackupConfiguration/nightly`. */
  invoker?: string;
}

export interface SnapshotCluster {
  server?: string;
  version?: string;
}

export interface SnapshotScope {
  type: "cluster" | "namespace" | "application";
  namespace?: string;
  /** The application's `<kind>.<group>/<name>` for type application. */
  target?: string;
}

/** A part as recorded in the manifest; bytes and sha256 are of the bytes as stored. */
export interface SnapshotPart {
  n: number;
  key: string;
  objects: number;
  bytes: number;
  sha256: string;
}

/** The index as recorded in the manifest; bytes and sha256 are of the bytes as stored. */
export interface SnapshotIndexInfo {
  key: string;
  records: number;
  bytes: number;
  sha256: string;
}

/**
 * `snapshots/<id>/snapshot.json`, the commit marker. formatVersion 2: a format-2 snapshot as the
 * Repository interface presents it (format2/as-manifest.ts), without parts or index file.
 */
export interface SnapshotManifest {
  formatVersion: 1 | 2;
  id: string;
  /** ISO time the backup started; the id carries the same time. */
  time: string;
  /** ISO time the dump finished. */
  completedAt: string;
  source: SnapshotSource;
  cluster: SnapshotCluster;
  scope: SnapshotScope;
  params: Record<string, string>;
  /** Objects per `<resource>[.<group>]`. */
  counts: Record<string, number>;
  objects: number;
  /** Uncompressed YAML bytes. */
  bytes: number;
  /** Bytes in the store: parts plus index. */
  storedBytes: number;
  warnings: string[];
  parts: SnapshotPart[];
  index: SnapshotIndexInfo;
}

/** What the producer knows before upload; commitSnapshot adds parts, index and storedBytes. */
export type SnapshotManifestDraft = Omit<SnapshotManifest, "parts" | "index" | "storedBytes">;

/** `repository.json`. */
export interface RepositoryConfig {
  formatVersion: 1;
  created: string;
  /** null: not encrypted. */
  encryption: EncryptionConfig | null;
}

/** One object read back from a snapshot's parts. */
export interface SnapshotObject {
  path: string;
  data: Buffer;
  part: number;
}

/** An object's archive path and YAML, as a reader of every object in no set order gets it (a download's). */
export type PathAndData = Pick<SnapshotObject, "path" | "data">;

/**
 * Objects read together (the blobs of a slice of a pack, decoded on the frame thread): `blobs[i]`
 * is the YAML of `paths[i]`. `owned`: the blobs lie in one buffer that nothing else uses, so a
 * writer may take that buffer whole (transfer it to the writing thread) instead of copying them.
 */
export interface PathsAndBlobs {
  paths: string[];
  blobs: Buffer[];
  owned: boolean;
}

/** Keys of a snapshot directory that has no commit marker: a backup in flight or one that died. */
export interface UnfinishedSnapshot {
  id: string;
  keys: number;
  bytes: number;
  /** Newest object's modification time, when the store reports times. */
  lastModified?: Date;
}
