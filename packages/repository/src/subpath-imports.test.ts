import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { modulesLoadedBy } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Each subpath loads what it needs and no more: above all, only an S3 store loads minio. The
// scripts run in fresh processes against the built package, resolved by name from this package.
const PACKAGE = fileURLToPath(new URL("..", import.meta.url));
const DIST = "/packages/repository/dist/";
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-subpaths-test-"));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const minio = (modules: string[]) => modules.filter((m) => m.includes("/node_modules/minio/"));
const ofDist = (modules: string[]) =>
  modules.filter((m) => m.includes(DIST)).map((m) => m.slice(m.indexOf(DIST) + DIST.length));

describe("@kubedump/repository's subpaths", () => {
  it.each([
    [
      "/local, writing and listing",
      `import { createLocalObjectStore } from "@kubedump/repository/local";
const store = createLocalObjectStore({ root: ROOT });
await store.put("a/b.txt", Buffer.from("x"));
for await (const entry of store.list("a/")) if (entry.key !== "a/b.txt") throw new Error(entry.key);`,
      "stores/local-object-store.js",
    ],
    [
      "the root, listing a local repository",
      `import { openRepository } from "@kubedump/repository";
import { createLocalObjectStore } from "@kubedump/repository/local";
await (await openRepository({ store: createLocalObjectStore({ root: ROOT }) })).listSnapshots();`,
      "snapshot/repository.js",
    ],
    [
      "/archive and /snapshot, writing a part",
      `import { createPartWriter, sha256Each } from "@kubedump/repository/archive";
import { pathFor } from "@kubedump/repository/snapshot";
const parts = createPartWriter({ dir: ROOT });
const data = Buffer.from("kind: ConfigMap\\n");
await parts.add([{ path: pathFor({ group: "", resource: "configmaps", namespace: "n", name: "a" }), data }]);
if ((await parts.finish()).objects !== 1 || (await sha256Each([data])).length !== 1) throw new Error("not written");`,
      "archive/part-writer.js",
    ],
    [
      "/format2, writing a local format-2 snapshot",
      `import { openFormat2Repository } from "@kubedump/repository/format2";
import { createLocalObjectStore } from "@kubedump/repository/local";
const repository = await openFormat2Repository({ store: createLocalObjectStore({ root: ROOT }) });
const m = await repository.writeSnapshot({ id: "20261126T020000Z-00000001", time: "", completedAt: "", source: { kind: "cli" }, cluster: {}, scope: { type: "cluster" }, params: {}, warnings: [] }, []);
if (m.formatVersion !== 2) throw new Error("not written");`,
      "format2/snapshot-writer.js",
    ],
    [
      "/journal, writing a local journal segment",
      `import { JournalWriter } from "@kubedump/repository/journal";
import { createLocalObjectStore } from "@kubedump/repository/local";
const writer = new JournalWriter({ store: createLocalObjectStore({ root: ROOT }), keys: null, scope: { scope: { type: "cluster" }, params: {} } });
const ref = { group: "", version: "v1", resource: "configmaps", namespace: "n", name: "a", uid: "u" };
await writer.append({ time: 1, kind: "added", ref, resourceVersion: "1", data: Buffer.from("kind: ConfigMap\\n") });
await writer.close();`,
      "journal/journal-writer.js",
    ],
  ])("%s does not load minio", (_label, script, expected) => {
    expect(existsSync(join(PACKAGE, "dist/index.js")), "build packages/repository first").toBe(true);
    const root = join(tmp, expected.replaceAll("/", "-"));
    const modules = modulesLoadedBy(script.replaceAll("ROOT", JSON.stringify(root)), PACKAGE);
    expect(ofDist(modules)).toContain(expected);
    expect(minio(modules)).toEqual([]);
  });

  it("/local loads nothing of the S3 store", () => {
    const modules = modulesLoadedBy(`import "@kubedump/repository/local";`, PACKAGE);
    expect(ofDist(modules)).toContain("stores/local-object-store.js");
    expect(ofDist(modules).filter((m) => m.includes("s3"))).toEqual([]);
  });

  it("/s3 loads minio once a store is created", () => {
    const modules = modulesLoadedBy(
      `import { createS3ObjectStore } from "@kubedump/repository/s3";
const store = createS3ObjectStore({ endpoint: "http://127.0.0.1:1", bucket: "b", accessKey: "a", secretKey: "s", retry: { attempts: 1 } });
await store.stat("k").catch(() => {});`,
      PACKAGE,
    );
    expect(minio(modules).length).toBeGreaterThan(0);
  });
});
