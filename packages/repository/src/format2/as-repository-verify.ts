import { hash } from "node:crypto";
import type { IndexRecord } from "../archive/types.js";
import { progressCounter, type ReadProgressOptions } from "../snapshot/read-progress.js";
import type { SnapshotManifest, SnapshotObject } from "../snapshot/types.js";
import type { VerifyReport } from "../snapshot/verify-snapshot.js";
import { describeVerifyProblem, type VerifyProblem } from "./verify.js";

export interface SnapshotVerifyDeps {
  manifest: SnapshotManifest;
  readIndex(): AsyncIterable<IndexRecord>;
  readObjects(): AsyncIterable<SnapshotObject>;
  /** The format-2 repository verify (every snapshot's tree, every pack there); none: the snapshot alone. */
  verifyRepository?(): Promise<{ problems: VerifyProblem[] }>;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Format 1's VerifyReport for one format-2 snapshot: the repository verify (problems of this
 * snapshot and those of no snapshot, such as a missing pack) and, at once, every object read back
 * through the tree (each of its packs whole, checked against its id, each blob against its id) and
 * checked against its record. A "part" is a pack the snapshot's objects are in.
 */
export async function verifySnapshotV2(deps: SnapshotVerifyDeps, options?: ReadProgressOptions): Promise<VerifyReport> {
  const { manifest } = deps;
  // The repository's checks and the snapshot's objects read at once: the store's reads of one
  // overlap the other's inflating and hashing. The repository's problems come first.
  const checked = deps.verifyRepository?.() ?? Promise.resolve({ problems: [] });
  checked.catch(() => {}); // thrown below
  const problems: string[] = [];
  const expected = new Map<string, IndexRecord>();
  const failedParts = new Set<number>();
  let objectsOk = 0;
  try {
    for await (const record of deps.readIndex()) expected.set(record.path, record);
    const read = progressCounter(manifest, options);
    for await (const { path, data, part } of deps.readObjects()) {
      read(data.length);
      const record = expected.get(path);
      const sha256 = hash("sha256", data);
      if (record && record.sha256 === sha256 && record.bytes === data.length) objectsOk += 1;
      else {
        failedParts.add(part);
        problems.push(`${path} does not match the sha256 and size its tree records`);
      }
    }
  } catch (err) {
    problems.push(`${manifest.index.key}: ${messageOf(err)}`);
  }
  const { problems: found } = await checked;
  problems.unshift(
    ...found.filter((p) => p.snapshot === undefined || p.snapshot === manifest.id).map((p) => describeVerifyProblem(p)),
  );
  if (expected.size !== manifest.objects)
    problems.push(
      `${manifest.index.key}: ${expected.size} objects in the tree, snapshot.json records ${manifest.objects}`,
    );
  const parts = new Set([...expected.values()].map((r) => r.part)).size;
  return {
    id: manifest.id,
    ok: problems.length === 0,
    partsOk: problems.length === 0 ? parts : Math.max(0, parts - Math.max(1, failedParts.size)),
    parts,
    objectsOk,
    objects: manifest.objects,
    problems,
  };
}
