import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SnapshotNotFoundError } from "../errors.js";
import { openRepository, type Repository } from "../snapshot/repository.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import { stageSnapshot, testObjects } from "../test-support.js";
import { resolveSnapshot } from "./snapshot-ref.js";

// Three snapshots of one second: the ids sort by their random suffixes, the times by when they were taken.
const TAKEN = [
  ["20261126T020000Z-ffffffff", "2026-11-26T02:00:00.100Z"],
  ["20261126T020000Z-00000000", "2026-11-26T02:00:00.500Z"],
  ["20261126T020000Z-88888888", "2026-11-26T02:00:00.900Z"],
] as const;

let tmp: string;
let repository: Repository;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-snapshot-ref-test-"));
  repository = await openRepository({ format: 1, store: createLocalObjectStore({ root: join(tmp, "repo") }) });
  for (const [id, time] of TAKEN) {
    const input = await stageSnapshot(join(tmp, id), id, testObjects(3));
    await repository.commitSnapshot({ ...input, manifest: { ...input.manifest, time } });
  }
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("resolveSnapshot", () => {
  it.each([
    ["latest", TAKEN[2][0]],
    ["latest~1", TAKEN[1][0]],
    ["latest~2", TAKEN[0][0]],
    [TAKEN[1][0], TAKEN[1][0]],
  ])("%s, by time rather than by id", async (ref, id) => {
    expect((await resolveSnapshot(repository, ref)).id).toBe(id);
  });

  it.each(["latest~3", "20200101T000000Z-00000000", "newest"])("%s: SnapshotNotFoundError naming it", async (ref) => {
    const error = await resolveSnapshot(repository, ref).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotNotFoundError);
    expect((error as Error).message).toBe(`snapshot "${ref}" not found`);
  });
});
