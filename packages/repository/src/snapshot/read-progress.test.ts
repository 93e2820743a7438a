import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import { stageSnapshot, testObjects } from "../test-support.js";
import type { ReadProgress } from "./read-progress.js";
import { openRepository, type Repository } from "./repository.js";

const ID = "20261126T020000Z-0a1b2c3d";
let tmp: string;
let repository: Repository;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-read-progress-"));
  repository = await openRepository({ format: 1, store: createLocalObjectStore({ root: join(tmp, "repo") }) });
  await repository.commitSnapshot(await stageSnapshot(join(tmp, "stage"), ID, testObjects(7)));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("progress of a download and a verify", () => {
  it.each([
    ["download", (onProgress: (p: ReadProgress) => void) => repository.download(ID, join(tmp, "out"), { onProgress })],
    ["verify", (onProgress: (p: ReadProgress) => void) => repository.verify(ID, { onProgress })],
  ])("%s reports each object, ending at the snapshot's totals", async (_, run) => {
    const seen: ReadProgress[] = [];
    await run((p) => seen.push(p));
    const manifest = await repository.getSnapshot(ID);
    expect(seen.map((p) => p.objects)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(seen.at(-1)).toEqual({
      objects: 7,
      totalObjects: manifest.objects,
      bytes: manifest.bytes,
      totalBytes: manifest.bytes,
    });
    expect(seen.every((p, i) => i === 0 || p.bytes > seen[i - 1]!.bytes)).toBe(true);
  });
});
