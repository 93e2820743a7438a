import { hash } from "node:crypto";
import type { IndexRecord } from "../archive/types.js";
import { ObjectNotFoundError } from "../errors.js";
import { pathProblem } from "../safe-path.js";
import { pathFor, resourceKey } from "./layout.js";
import { progressCounter, type ReadProgressOptions } from "./read-progress.js";
import { type ReaderDeps, readIndexRecords, readPartFiles } from "./snapshot-readers.js";
import type { SnapshotManifest, SnapshotPart } from "./types.js";

export interface VerifyReport {
  id: string;
  /** True when no problem was found. */
  ok: boolean;
  /** Parts read to the end without error. */
  partsOk: number;
  parts: number;
  /** Objects whose size and sha256 match the index. */
  objectsOk: number;
  objects: number;
  /** One line per problem, each naming the key or path concerned. */
  problems: string[];
}

interface Expected {
  record: IndexRecord;
  seen: boolean;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sha256(data: Buffer): string {
  return hash("sha256", data);
}

/**
 * Why a record's path breaks the layout, or undefined: it must keep the path rule (safe-path.ts)
 * and be the path layout.ts builds from the record's own group, resource, namespace and name, so
 * that a path cannot claim one object while the record names another.
 */
function layoutProblem(record: IndexRecord): string | undefined {
  const unsafe = pathProblem(record.path);
  if (unsafe !== undefined) return `is not a safe path: ${unsafe}`;
  let expected: string;
  try {
    expected = pathFor(record);
  } catch (err) {
    return `has a record that names no valid path: ${describe(err)}`;
  }
  return expected === record.path ? undefined : `is not the path of its record (${expected})`;
}

/** The index by path, with its counts and paths checked against the manifest and the layout. */
async function loadIndex(
  deps: ReaderDeps,
  manifest: SnapshotManifest,
  problems: string[],
): Promise<Map<string, Expected> | undefined> {
  const index = new Map<string, Expected>();
  const counts: Record<string, number> = {};
  try {
    for await (const record of readIndexRecords(deps, manifest)) {
      if (index.has(record.path)) problems.push(`${manifest.index.key}: ${record.path} is indexed twice`);
      const layout = layoutProblem(record);
      if (layout) problems.push(`${manifest.index.key}: ${JSON.stringify(record.path)} ${layout}`);
      index.set(record.path, { record, seen: false });
      const resource = resourceKey(record);
      counts[resource] = (counts[resource] ?? 0) + 1;
    }
  } catch (err) {
    problems.push(`index ${describe(err)}`);
    return undefined;
  }
  if (index.size !== manifest.index.records || index.size !== manifest.objects) {
    problems.push(
      `${manifest.index.key}: ${index.size} records, snapshot.json records ${manifest.index.records} (objects ${manifest.objects})`,
    );
  }
  const resources = new Set([...Object.keys(counts), ...Object.keys(manifest.counts)]);
  for (const resource of [...resources].sort()) {
    const [found, recorded] = [counts[resource] ?? 0, manifest.counts[resource] ?? 0];
    if (found !== recorded)
      problems.push(`${resource}: ${found} objects in the index, snapshot.json counts ${recorded}`);
  }
  return index;
}

/**
 * Reads one part to the end, checking each object against the index; returns the objects that
 * matched. A part that fails as a whole (its sha256, decompression, authentication) gets one line:
 * what its objects showed before the damage surfaced is a consequence, summed up in that line.
 */
async function verifyPart(
  deps: ReaderDeps,
  manifest: SnapshotManifest,
  part: SnapshotPart,
  index: Map<string, Expected> | undefined,
  problems: string[],
  read: (bytes: number) => void,
) {
  let [objects, ok] = [0, 0];
  const found: string[] = [];
  try {
    for await (const file of readPartFiles(deps, manifest, part)) {
      objects += 1;
      read(file.data.length);
      const expected = index?.get(file.path);
      if (!index) continue;
      if (!expected) {
        found.push(`${part.key}: ${file.path} is not in the index`);
        continue;
      }
      expected.seen = true;
      const { record } = expected;
      if (record.part !== part.n)
        found.push(`${file.path}: found in part ${part.n}, the index says part ${record.part}`);
      if (file.data.length !== record.bytes)
        found.push(`${file.path}: ${file.data.length} bytes, the index records ${record.bytes}`);
      else if (sha256(file.data) !== record.sha256) found.push(`${file.path}: sha256 differs from the index`);
      else ok += 1;
    }
  } catch (err) {
    const also = found.length ? ` (before that, ${found.length} of its objects differed from the index)` : "";
    problems.push(
      err instanceof ObjectNotFoundError
        ? `part ${part.n} is missing: ${part.key}`
        : `part ${part.n}: ${describe(err)}${also}`,
    );
    return { ok, complete: false };
  }
  problems.push(...found);
  if (objects !== part.objects) problems.push(`${part.key}: ${objects} objects, snapshot.json records ${part.objects}`);
  return { ok, complete: true };
}

/** Indexed objects no part held; parts that failed to read are reported already. */
function reportUnseen(index: Map<string, Expected>, failedParts: Set<number>, problems: string[]): void {
  const byPart = new Map<number, string[]>();
  for (const { record, seen } of index.values()) {
    if (!seen && !failedParts.has(record.part))
      byPart.set(record.part, [...(byPart.get(record.part) ?? []), record.path]);
  }
  for (const [n, paths] of [...byPart].sort(([a], [b]) => a - b)) {
    problems.push(`${paths.length} indexed objects of part ${n} were not found in it, e.g. ${paths[0]}`);
  }
}

/**
 * Re-reads the index and every part of a committed snapshot: stored size and sha256 of each file
 * (and, when encrypted, each chunk's authentication), every index path against the layout, every
 * archive entry against the path rule (regular files only), every object's size and sha256
 * against its index record, and the counts of objects per part and per resource against
 * snapshot.json. Goes
 * on past a damaged or missing part, so one run reports every problem.
 */
export async function verifySnapshot(
  deps: ReaderDeps,
  manifest: SnapshotManifest,
  options: ReadProgressOptions = {},
): Promise<VerifyReport> {
  const problems: string[] = [];
  const read = progressCounter(manifest, options);
  const index = await loadIndex(deps, manifest, problems);
  const report = { id: manifest.id, partsOk: 0, parts: manifest.parts.length, objectsOk: 0, objects: manifest.objects };
  const recordedObjects = manifest.parts.reduce((sum, p) => sum + p.objects, 0);
  if (recordedObjects !== manifest.objects)
    problems.push(`snapshot.json: parts hold ${recordedObjects} objects, objects says ${manifest.objects}`);
  const failedParts = new Set<number>();
  for (const part of [...manifest.parts].sort((a, b) => a.n - b.n)) {
    const { ok, complete } = await verifyPart(deps, manifest, part, index, problems, read);
    report.objectsOk += ok;
    if (complete) report.partsOk += 1;
    else failedParts.add(part.n);
  }
  if (index) reportUnseen(index, failedParts, problems);
  return { ...report, ok: problems.length === 0, problems };
}
