// The worker's cache of a format-2 repository's index files (issue 21, item 3): a backup with a warm
// cache reads no index file from the store; damaged cache files are read again, never trusted.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRepository } from "@kubedump/repository";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { testNamespace } from "../../../test/e2e/test-namespace.js";
import {
  backup,
  configMapYaml,
  countingStore,
  expectVerified,
  indexCacheFiles,
  putConfigMaps,
  s3Store,
  snapshotContents,
} from "./format2-test-support.js";
import { arrangeBackup, createFormat2Repository, startGateway, startWorkerRig } from "./test-support.js";

const env = inject("testenv");
const RUN = randomBytes(3).toString("hex");
const scratchRoot = mkdtempSync(join(tmpdir(), "kubedump-dw-f2cache-"));
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  gateway = await startGateway(env, `dwc-${RUN}`);
});
afterAll(async () => {
  await gateway?.stop();
  rmSync(scratchRoot, { recursive: true, force: true });
});

it("a backup with a warm index cache reads no index file; a damaged cache is read again and the backup is whole", async () => {
  const space = testNamespace(env, `dw-f2c-${RUN}`);
  await arrangeBackup(space, { wholeNamespace: true });
  await createFormat2Repository(env, space.prefix);
  await putConfigMaps(space, { a: "first a", b: "first b" });
  const raw = s3Store(env, space.prefix);
  const { store, reads } = countingStore(raw, "index/");
  const rig = await startWorkerRig(env, {
    queuePrefix: `dwc-${RUN}`,
    gatewayUrl: gateway.url,
    scratchDir: scratchRoot,
    openRepository: () => openRepository({ store }),
  });
  try {
    const first = await backup(space, rig, "one");
    await putConfigMaps(space, { a: "second a" });
    const second = await backup(space, rig, "two");
    // The first backup cached the index file it wrote: the second read none from the store.
    expect(reads).toEqual([]);
    const cached = await indexCacheFiles(scratchRoot);
    expect(cached.size).toBe(2);
    for (const [path, data] of cached) {
      // Bytes as stored: what the cache holds, the store holds.
      expect(data.equals(await raw.getBuffer(`index/${path.split("/").pop()}`))).toBe(true);
      await writeFile(join(scratchRoot, path), "damaged");
    }
    await putConfigMaps(space, { b: "third b" });
    const third = await backup(space, rig, "three");
    expect(reads.sort()).toEqual([...cached.keys()].map((p) => `index/${p.split("/").pop()}`).sort());
    expect((await indexCacheFiles(scratchRoot)).size).toBe(3);

    const repository = await space.repository();
    expect(await expectVerified(repository)).toBe(3);
    const expected: [string, Record<string, string>][] = [
      [first, { a: "first a", b: "first b" }],
      [second, { a: "second a", b: "first b" }],
      [third, { a: "second a", b: "third b" }],
    ];
    for (const [id, values] of expected) {
      const contents = await snapshotContents(repository, id);
      for (const [name, value] of Object.entries(values))
        expect(configMapYaml(contents, space.ns, name)).toContain(`value: ${value}`);
    }
  } finally {
    await rig.close();
  }
}, 120_000);
