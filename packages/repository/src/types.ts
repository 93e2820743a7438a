/** Owner reference as stored in the index (the subset that identifies the owner). */
export interface IndexOwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

/** One line of `index.json.gz`: one backed-up object. */
export interface IndexRecord {
  /** Path inside the part archives, from `pathFor`. */
  path: string;
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
  ownerReferences?: IndexOwnerReference[];
  /** sha256 (hex) of the YAML bytes. */
  sha256: string;
  /** Length of the YAML bytes. */
  bytes: number;
  /** The part number that holds the object. */
  part: number;
}

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

/** `snapshots/<id>/snapshot.json`, the commit marker. */
export interface SnapshotManifest {
  formatVersion: 1;
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

/** `repository.json`. */
export interface RepositoryConfig {
  formatVersion: 1;
  created: string;
  /** null: not encrypted. */
  encryption: EncryptionConfig | null;
}

/** A finished part file in the producer's scratch directory. */
export interface PartFile {
  n: number;
  file: string;
  objects: number;
  /** Size of the file (compressed). */
  bytes: number;
  /** Uncompressed tar payload: the sum of the YAML bytes. */
  uncompressedBytes: number;
  /** sha256 (hex) of the file. */
  sha256: string;
}

/** A finished index file in the producer's scratch directory. */
export interface IndexFile {
  file: string;
  records: number;
  /** Size of the file (compressed). */
  bytes: number;
  /** sha256 (hex) of the file. */
  sha256: string;
}

/** One object read back from a snapshot's parts. */
export interface SnapshotObject {
  path: string;
  data: Buffer;
  part: number;
}

/** Keys of a snapshot directory that has no commit marker: a backup in flight or one that died. */
export interface UnfinishedSnapshot {
  id: string;
  keys: number;
  bytes: number;
  /** Newest object's modification time, when the store reports times. */
  lastModified?: Date;
}
