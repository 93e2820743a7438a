import { describe, expect, it } from "vitest";
import type { IndexRecord } from "../archive/types.js";
import { pathFor } from "../snapshot/layout.js";
import { compareIndexes } from "./compare-indexes.js";

function record(namespace: string | undefined, resource: string, name: string, sha256: string): IndexRecord {
  const coordinates = { group: "", resource, namespace, name };
  return { ...coordinates, path: pathFor(coordinates), version: "v1", kind: "X", uid: "", sha256, bytes: 1, part: 0 };
}

async function* stream(records: IndexRecord[]): AsyncGenerator<IndexRecord> {
  yield* records;
}

describe("compareIndexes", () => {
  const before = [
    record("prod", "configmaps", "same", "1"),
    record("prod", "configmaps", "edited", "2"),
    record("prod", "secrets", "gone", "3"),
    record(undefined, "namespaces", "prod", "4"),
  ];
  const after = [
    record(undefined, "namespaces", "prod", "4"),
    record("prod", "configmaps", "edited", "2b"),
    record("prod", "configmaps", "same", "1"),
    record("dev", "configmaps", "same", "1"),
  ];

  it("sorts objects into added, removed and changed by key and sha256", async () => {
    const result = await compareIndexes(stream(before), after);
    expect(result.added.map((r) => r.path)).toEqual(["namespaces/dev/configmaps/same.yaml"]);
    expect(result.removed.map((r) => r.path)).toEqual(["namespaces/prod/secrets/gone.yaml"]);
    expect(result.changed.map((c) => [c.before.sha256, c.after.sha256])).toEqual([["2", "2b"]]);
    expect(result.unchanged).toBe(2);
  });

  it("keeps to the objects the filter lets through, on both sides", async () => {
    const result = await compareIndexes(before, stream(after), (r) => r.namespace === "prod");
    expect(result.added).toEqual([]);
    expect(result.removed.map((r) => r.name)).toEqual(["gone"]);
    expect(result.changed).toHaveLength(1);
    expect(result.unchanged).toBe(1);
  });

  it("tells objects of the same name in other namespaces and scopes apart", async () => {
    const a = [record("a", "configmaps", "x", "1"), record(undefined, "configmaps", "x", "1")];
    const b = [record("b", "configmaps", "x", "1"), record(undefined, "configmaps", "x", "1")];
    const result = await compareIndexes(a, b);
    expect([result.added.length, result.removed.length, result.unchanged]).toEqual([1, 1, 1]);
  });
});
