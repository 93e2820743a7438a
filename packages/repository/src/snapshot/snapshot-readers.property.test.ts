// Property tests of the snapshot readers on damaged stored files: one file of a sound snapshot
// (a part, the index, snapshot.json) with bytes flipped, cut or spliced in. verify answers with a
// report or a documented error, readObjects fails only with the documented errors, in bounded time.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { settlesOrRefuses } from "@kubedump/testenv";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntegrityError, ObjectNotFoundError, RepositoryFormatError, UnsafePathError } from "../errors.js";
import type { ObjectStore } from "../stores/object-store.js";
import { collect, stageSnapshot, testObjects } from "../test-support.js";
import { openRepository } from "./repository.js";

const ID = "20261126T020000Z-0c0c0c0c";
const RUNS = 120;
const MS = 2000;

/** An in-memory double of ObjectStore: what the readers need, keys in a Map. */
function memoryStore(objects: Map<string, Buffer>): ObjectStore {
  const get = (key: string) => {
    const data = objects.get(key);
    if (!data) throw new ObjectNotFoundError(key);
    return data;
  };
  return {
    put: async (key, body) => void objects.set(key, Buffer.isBuffer(body) ? body : Buffer.concat(await collect(body))),
    putIfAbsent: async (key, body) => !objects.has(key) && Boolean(objects.set(key, body)),
    putFile: async (key, path) => void objects.set(key, await readFile(path)),
    get: async (key) => Readable.from([get(key)]),
    getBuffer: async (key, maxBytes = Number.POSITIVE_INFINITY) => {
      const data = get(key);
      if (data.length > maxBytes) throw new IntegrityError(key, "too large");
      return data;
    },
    stat: async (key) => (objects.has(key) ? { size: get(key).length } : undefined),
    async *list(prefix) {
      for (const key of [...objects.keys()].sort()) if (key.startsWith(prefix)) yield { key, size: get(key).length };
    },
    delete: async (key) => void objects.delete(key),
    removeIncompleteUploads: async () => 0,
  };
}

let tmp: string;
let sound: Map<string, Buffer>;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-readers-property-"));
  sound = new Map();
  const repository = await openRepository({ format: 1, store: memoryStore(sound) });
  await repository.commitSnapshot(await stageSnapshot(join(tmp, "scratch"), ID, testObjects(40), 1200));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

type Change =
  | { kind: "flip"; at: number; bits: number }
  | { kind: "cut"; at: number }
  | { kind: "splice"; at: number; bytes: Uint8Array };

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("splice" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
);

function damaged(data: Buffer, c: Change): Buffer {
  const at = c.at % (data.length + 1);
  if (c.kind === "cut") return data.subarray(0, at);
  if (c.kind === "splice") return Buffer.concat([data.subarray(0, at), c.bytes, data.subarray(at)]);
  const copy = Buffer.from(data);
  if (copy.length) copy[at % copy.length] = (copy[at % copy.length] as number) ^ c.bits;
  return copy;
}

describe("the snapshot readers on a damaged stored file", () => {
  it("verify reports the damage or fails with a documented error; readObjects fails only with one", async () => {
    const keys = [...sound.keys()].filter((k) => k !== "repository.json");
    expect(keys.length).toBeGreaterThan(3);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), change, async (key, c) => {
        const objects = new Map(sound);
        objects.set(key, damaged(sound.get(key) as Buffer, c));
        const repository = await openRepository({ format: 1, store: memoryStore(objects) });
        const allowed = [IntegrityError, RepositoryFormatError, UnsafePathError];
        const verified = await settlesOrRefuses(() => repository.verify(ID), allowed, MS);
        if ("value" in verified) {
          const changed = !objects.get(key)?.equals(sound.get(key) as Buffer);
          if (changed && !key.endsWith("snapshot.json")) expect(verified.value.ok).toBe(false);
          for (const problem of verified.value.problems) expect(problem).not.toBe("");
        }
        const read = await settlesOrRefuses(() => collect(repository.readObjects(ID)), allowed, MS);
        if ("error" in read) expect(read.error.message).not.toBe("");
      }),
      { numRuns: RUNS },
    );
  });
});
