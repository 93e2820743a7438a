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

/** Size and sha256 of a file's bytes. */
export interface Digest {
  bytes: number;
  /** Lowercase hex. */
  sha256: string;
}
