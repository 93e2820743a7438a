import type { ObjectStore } from "../stores/object-store.js";
import type { SnapshotManifest } from "./types.js";

/** What checkStored found: no data is read, so a same-size change of a file's bytes goes unseen. */
export interface StoredCheckReport {
  id: string;
  /** True when every stored file is there with the size snapshot.json records. */
  ok: boolean;
  /** The index and the parts. */
  files: number;
  filesOk: number;
  /** One line per problem, each naming the part or index and its key. */
  problems: string[];
}

/**
 * The cheap check of a committed snapshot: one stat per stored file (the index and every part),
 * each present with the byte count snapshot.json records. Reads no data; verifySnapshot reads it.
 */
export async function checkStored(store: ObjectStore, manifest: SnapshotManifest): Promise<StoredCheckReport> {
  const files = storedFiles(manifest);
  const problems = await storedFileProblems(manifest, async (key) => (await store.stat(key))?.size);
  return {
    id: manifest.id,
    ok: problems.length === 0,
    files: files.length,
    filesOk: files.length - problems.length,
    problems,
  };
}

function storedFiles(manifest: SnapshotManifest) {
  return [
    { what: "index", key: manifest.index.key, bytes: manifest.index.bytes },
    ...[...manifest.parts].sort((a, b) => a.n - b.n).map((p) => ({ what: `part ${p.n}`, key: p.key, bytes: p.bytes })),
  ];
}

/** One line per stored file that is missing (`sizeOf` undefined) or not of the size snapshot.json records. */
export async function storedFileProblems(
  manifest: SnapshotManifest,
  sizeOf: (key: string) => Promise<number | undefined> | number | undefined,
): Promise<string[]> {
  const problems: string[] = [];
  for (const file of storedFiles(manifest)) {
    const size = await sizeOf(file.key);
    if (size === undefined) problems.push(`${file.what} is missing: ${file.key}`);
    else if (size !== file.bytes)
      problems.push(`${file.what}: ${file.key}: ${size} bytes stored, snapshot.json records ${file.bytes}`);
  }
  return problems;
}
