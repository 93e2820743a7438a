// Property tests of the repository's JSON readers (snapshot.json, repository.json, index lines):
// any bytes end in a value whose every field a reader relies on is there, or a RepositoryFormatError
// naming the file, in bounded time.
import { PROPERTY_RUNS, parsesOrRefuses } from "@kubedump/testenv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RepositoryFormatError } from "../errors.js";
import { draftManifest, testObjects } from "../test-support.js";
import { snapshotIndexKey, snapshotPartKey } from "./layout.js";
import { decodeIndexLine, decodeManifest, decodeRepositoryConfig } from "./manifest-codec.js";
import { indexByteLimit, objectByteLimit, partByteLimit } from "./read-limits.js";
import type { SnapshotManifest } from "./types.js";

const ID = "20261126T020000Z-0a1b2c3d";
const KEY = `snapshots/${ID}/snapshot.json`;
const SHA = "a".repeat(64);

function validManifest(): SnapshotManifest {
  const parts = [0, 1].map((n) => ({ n, key: snapshotPartKey(ID, n), objects: 2, bytes: 100, sha256: SHA }));
  const index = { key: snapshotIndexKey(ID), records: 4, bytes: 50, sha256: SHA };
  return { ...draftManifest(ID, testObjects(4)), storedBytes: 250, parts, index };
}
const validConfig = () => ({
  formatVersion: 1,
  created: "2026-11-26T02:00:00.000Z",
  encryption: {
    kdf: { name: "scrypt", N: 1024, r: 8, p: 1, salt: "c2FsdHNhbHRzYWx0c2FsdA==" },
    cipher: "aes-256-gcm",
    keyCheck: "x",
  },
});
const validRecord = () => ({
  ...testObjects(1)[0]!.record,
  ownerReferences: [{ apiVersion: "v1", kind: "A", name: "a", uid: "u" }],
});

/** Paths to every value of `value` (the root included). */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== "object" || value === null) return [at];
  return [at, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, Array.isArray(value) ? Number(k) : k]))];
}

/** `make()` with the value at one of its paths replaced by any JSON value, or removed. */
function mutated(make: () => unknown): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.constantFrom(...paths(make())), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }))
    .map(([path, replacement]) => {
      const root = { value: make() } as Record<string | number, unknown>;
      let at = root;
      const full = ["value", ...path];
      for (const key of full.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
      const last = full[full.length - 1] as string | number;
      if (replacement === undefined) delete at[last];
      else at[last] = replacement;
      return root.value;
    });
}

/** Bytes: JSON of a mutated valid value, a valid value's JSON cut or spliced, or anything. */
function inputs(make: () => unknown): fc.Arbitrary<Buffer> {
  const text = JSON.stringify(make());
  return fc.oneof(
    mutated(make).map((v) => Buffer.from(JSON.stringify(v) ?? "")),
    fc.nat(text.length).map((n) => Buffer.from(text.slice(0, n))),
    fc
      .tuple(fc.nat(text.length), fc.string({ maxLength: 8 }))
      .map(([n, s]) => Buffer.from(text.slice(0, n) + s + text.slice(n))),
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  );
}

const decode = (parse: () => unknown) => parsesOrRefuses(parse, [RepositoryFormatError]);

describe("the repository's JSON readers on any bytes", () => {
  it("decodeManifest: a manifest every reader can use, or RepositoryFormatError naming snapshot.json", () => {
    fc.assert(
      fc.property(inputs(validManifest), (data) => {
        const outcome = decode(() => decodeManifest(KEY, ID, data));
        if ("error" in outcome) {
          expect(outcome.error.message.startsWith(`${KEY}: `)).toBe(true);
          return;
        }
        const manifest = outcome.value as SnapshotManifest;
        for (const part of manifest.parts) {
          expect(part.key).toBe(snapshotPartKey(ID, part.n));
          expect(Number.isSafeInteger(partByteLimit(manifest, part))).toBe(true);
        }
        expect(manifest.index.key).toBe(snapshotIndexKey(ID));
        expect(Number.isSafeInteger(objectByteLimit(manifest) + indexByteLimit(manifest))).toBe(true);
        expect(Object.values(manifest.counts).every(Number.isSafeInteger)).toBe(true);
      }),
      { numRuns: PROPERTY_RUNS * 2 },
    );
  });

  it("decodeRepositoryConfig: a config, or RepositoryFormatError naming repository.json", () => {
    fc.assert(
      fc.property(inputs(validConfig), (data) => {
        const outcome = decode(() => decodeRepositoryConfig("repository.json", data));
        if ("error" in outcome) expect(outcome.error.message).toMatch(/^repository\.json: /);
        else expect(typeof (outcome.value as { created: unknown }).created).toBe("string");
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it("decodeIndexLine: a record with every field typed, or RepositoryFormatError naming the line", () => {
    fc.assert(
      fc.property(inputs(validRecord), (data) => {
        const outcome = decode(() => decodeIndexLine("index.json.gz", 7, data.toString("utf8")));
        if ("error" in outcome) {
          expect(outcome.error.message).toMatch(/^index\.json\.gz: line 7: /);
          return;
        }
        const record = outcome.value as Record<string, unknown>;
        for (const field of ["path", "group", "version", "resource", "kind", "name", "uid", "sha256"])
          expect(typeof record[field]).toBe("string");
        expect(Number.isSafeInteger(record.bytes) && Number.isSafeInteger(record.part)).toBe(true);
      }),
      { numRuns: PROPERTY_RUNS * 2 },
    );
  });

  it.each([
    ["deeply nested arrays", `${"[".repeat(100_000)}${"]".repeat(100_000)}`],
    ["a long string", JSON.stringify({ formatVersion: 1, id: "x".repeat(5_000_000) })],
    ["many parts", JSON.stringify({ ...validManifest(), parts: Array.from({ length: 50_000 }, () => ({ n: 0 })) })],
  ])("handles %s in bounded time", (_label, text) => {
    const data = Buffer.from(text);
    expect(() => parsesOrRefuses(() => decodeManifest(KEY, ID, data), [RepositoryFormatError], 2000)).not.toThrow();
    expect(() => parsesOrRefuses(() => decodeIndexLine(KEY, 1, text), [RepositoryFormatError], 2000)).not.toThrow();
  });
});
