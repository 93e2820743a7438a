import { randomUUID } from "node:crypto";
import { describeVerifyProblem, format2Of, parseDataSubset } from "@kubedump/repository/format2";
import { type Repository, verifySnapshotSample } from "@kubedump/repository";
import { VerifyFailedError } from "../errors.js";
import { printable } from "../format.js";
import { printData } from "../output.js";
import { UsageError } from "../target.js";

/** What `kubedump verify` without an id found. */
export interface RepositoryVerifyResult {
  ok: boolean;
  format: 1 | 2;
  snapshots: number;
  /** Format 2: packs read in full, of all (the others checked by size). */
  packs?: { read: number; total: number };
  /** Format 1: snapshots read in full (the others checked by the sizes of their files). */
  snapshotsRead?: number;
  problems: string[];
}

/** The share `--read-data-subset` asks for, as a fraction; a UsageError naming the flag when it is not one. */
function subsetOf(value: string | undefined): number {
  try {
    return parseDataSubset(value);
  } catch {
    throw new UsageError(`--read-data-subset "${value}": a percentage from 0% to 100%, e.g. 10%`);
  }
}

async function verifyFormat1(repository: Repository, fraction: number): Promise<RepositoryVerifyResult> {
  const { snapshots, read, damaged } = await verifySnapshotSample(repository, {
    readData: fraction * 100,
    seed: randomUUID(),
  });
  const problems = damaged.flatMap(({ id, problems }) => problems.map((p) => `${id}: ${p}`));
  return { ok: problems.length === 0, format: 1, snapshots, snapshotsRead: read, problems };
}

/**
 * `kubedump verify` without an id: the whole repository. Format 2: one repository verify (every
 * snapshot's tree against the index; `--read-data-subset` of the packs, chosen at random, read and
 * every blob checked against its id; the others checked by size). Format 1: that share of the
 * snapshots read in full, the others checked by the sizes of their files. Exit 5 on problems.
 */
export async function verifyWholeRepository(repository: Repository, subset: string | undefined, output?: string) {
  const fraction = subsetOf(subset);
  const format2 = format2Of(repository);
  let result: RepositoryVerifyResult;
  if (format2) {
    const report = await format2.verify({ readDataSubset: fraction });
    const problems = report.problems.map((p) => describeVerifyProblem(p));
    const packs = { read: report.packsRead, total: report.packs };
    result = { ok: problems.length === 0, format: 2, snapshots: report.snapshots, packs, problems };
  } else result = await verifyFormat1(repository, fraction);
  if (!printData(output, result)) {
    const read = result.packs
      ? `${result.packs.read} of ${result.packs.total} packs read in full`
      : `${result.snapshotsRead} read in full`;
    const line = `${result.snapshots} snapshots checked (${read})`;
    if (result.ok) process.stdout.write(`repository is sound: ${line}\n`);
    else {
      for (const problem of result.problems) process.stderr.write(`problem: ${printable(problem)}\n`);
      process.stderr.write(`${line}: ${result.problems.length} problems\n`);
    }
  }
  if (!result.ok) throw new VerifyFailedError("the repository", result.problems.length, "");
}
