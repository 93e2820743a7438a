import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createIndexWriter } from "./index-writer.js";
import type { IndexRecord } from "./types.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kubedump-index-test-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function record(i: number, overrides: Partial<IndexRecord> = {}): IndexRecord {
  return {
    path: `namespaces/prod/deployments.apps/web-${i}.yaml`,
    group: "apps",
    version: "v1",
    resource: "deployments",
    kind: "Deployment",
    namespace: "prod",
    name: `web-${i}`,
    uid: `uid-${i}`,
    sha256: "0".repeat(64),
    bytes: 100 + i,
    part: 0,
    ...overrides,
  };
}

describe("createIndexWriter", () => {
  it.each([0, 1, 5000])("writes %i records as gzipped JSON Lines", async (count) => {
    const file = join(dir, "scratch", "index.json.gz");
    const records = Array.from({ length: count }, (_, i) =>
      i % 2
        ? record(i)
        : record(i, {
            namespace: undefined,
            ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u", controller: true }],
          }),
    );
    const writer = createIndexWriter({ file });
    await writer.add(records.slice(0, count / 2));
    await writer.add(records.slice(count / 2));
    const result = await writer.finish();

    const stored = await readFile(file);
    expect(result).toEqual({
      file,
      records: count,
      bytes: stored.length,
      sha256: createHash("sha256").update(stored).digest("hex"),
    });
    const lines = gunzipSync(stored).toString().split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.map((line) => JSON.parse(line))).toEqual(records.map((r) => JSON.parse(JSON.stringify(r))));
  });

  it("fails finish when the file cannot be written", async () => {
    await writeFile(join(dir, "blocker"), "not a directory");
    const writer = createIndexWriter({ file: join(dir, "blocker", "index.json.gz") });
    await writer.add([record(1)]);
    await expect(writer.finish()).rejects.toThrow(/EEXIST|ENOTDIR/);
  });

  it("refuses add after finish", async () => {
    const writer = createIndexWriter({ file: join(dir, "index.json.gz") });
    await writer.finish();
    await expect(writer.add([record(1)])).rejects.toThrow(/finished or aborted/);
  });
});
