import { setFlagsFromString } from "node:v8";
import { describe, expect, it } from "vitest";
import { indexRecord, type RecordFields } from "../archive/index-record.js";
import type { IndexRecord } from "../archive/types.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import { collect } from "../test-support.js";
import { BlobIndex } from "./blob-index.js";
import { loadBlobIndex } from "./index-loader.js";
import { readIndexRecordsV2, readManifestV2 } from "./snapshot-reader.js";
import { writeSnapshotV2 } from "./snapshot-writer.js";
import { clusterObjects, draftV2, KEY_CASES, testDirectory } from "./test-support.js";

// V8's own test of hidden classes: whether two objects have the same Map. The flag only lets this
// file's Function be compiled with the intrinsic; it changes nothing else of the process.
setFlagsFromString("--allow-natives-syntax");
const sameMap = new Function("a", "b", "return %HaveSameMap(a, b)") as (a: object, b: object) => boolean;

/** How many hidden classes `objects` have between them. */
function hiddenClasses(objects: readonly object[]): number {
  const seen: object[] = [];
  for (const o of objects) if (!seen.some((s) => sameMap(s, o))) seen.push(o);
  return seen.length;
}

/** Fields as a tree's chunk node gives them after its JSON is parsed: a new object each. */
function parsedFields(i: number): RecordFields {
  return JSON.parse(
    JSON.stringify({
      path: `namespaces/team-${i % 3}/configmaps/c-${i}.yaml`,
      group: "",
      version: "v1",
      resource: "configmaps",
      kind: "ConfigMap",
      namespace: `team-${i % 3}`,
      name: `c-${i}`,
      uid: `uid-${i}`,
      sha256: "a".repeat(64),
      bytes: 100 + i,
    }),
  );
}

const inTmp = testDirectory("record-shapes");
const ID = "20261126T020000Z-00000001";

describe("index records made per object", () => {
  it("share one hidden class, where a spread and an added part give each its own", () => {
    const fields = Array.from({ length: 500 }, (_, i) => parsedFields(i));
    const made = fields.map((f, i) => indexRecord(f, i % 7));
    expect(hiddenClasses(made)).toBe(1);
    expect(made).toEqual(fields.map((f, i) => ({ ...f, part: i % 7 })));
    // The check sees what indexRecord avoids (Node 20's V8): should this fail after an upgrade of
    // Node, the spreads may come back.
    expect(hiddenClasses(fields.map((f) => ({ ...f, part: 0 })))).toBeGreaterThan(100);
  });

  it("keep optional fields out when absent: one hidden class per set of fields", () => {
    const withOwners = (i: number): RecordFields => ({
      ...parsedFields(i),
      ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: `p-${i}`, uid: `o-${i}` }],
    });
    const clusterScoped = (i: number): RecordFields => {
      const { namespace: _, ...rest } = parsedFields(i);
      return rest;
    };
    const owned = Array.from({ length: 200 }, (_, i) => indexRecord(withOwners(i), 0));
    const cluster = Array.from({ length: 200 }, (_, i) => indexRecord(clusterScoped(i), 0));
    expect(hiddenClasses(owned)).toBe(1);
    expect(hiddenClasses(cluster)).toBe(1);
    expect(cluster.every((r) => !("namespace" in r) && !("ownerReferences" in r))).toBe(true);
  });
});

describe.each(KEY_CASES)("a format-2 snapshot's index records (%s)", (_, keys) => {
  it("share one hidden class per set of fields, as a restore holds them", async () => {
    const store = createLocalObjectStore({ root: inTmp(keys ? "encrypted" : "plain") });
    await writeSnapshotV2(
      { store, keys, index: new BlobIndex(), packTargetBytes: 16 * 1024, packFrameBytes: 8 * 1024 },
      draftV2(ID),
      clusterObjects(600, 3),
    );
    const { index } = await loadBlobIndex({ store, keys });
    const records = await collect(readIndexRecordsV2({ store, keys, index }, await readManifestV2({ store }, ID)));
    const namespaced = records.filter((r: IndexRecord) => r.namespace !== undefined);
    const cluster = records.filter((r: IndexRecord) => r.namespace === undefined);
    expect([namespaced.length, cluster.length]).toEqual([588, 12]);
    expect(hiddenClasses(namespaced)).toBe(1);
    expect(hiddenClasses(cluster)).toBe(1);
  });
});
