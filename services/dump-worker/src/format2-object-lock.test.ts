// A format-2 Repository with spec.objectLock through the real worker (issue 21, item 8): the second
// backup reuses the first one's packs and locks them, and the index file listing them, until its
// own snapshot.json's retain-until, in GOVERNANCE and COMPLIANCE mode alike.
import { randomBytes } from "node:crypto";
import { openRepository } from "@kubedump/repository";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { testNamespace } from "../../../test/e2e/test-namespace.js";
import {
  backup,
  configMapYaml,
  expectVerified,
  putConfigMaps,
  s3Store,
  snapshotContents,
} from "./format2-test-support.js";
import { arrangeBackup, startGateway, startWorkerRig } from "./test-support.js";

const env = inject("testenv");
const RUN = randomBytes(3).toString("hex");
const LOCKED = `kubedump-worker-f2lock-${RUN}`;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  gateway = await startGateway(env, `dwfl-${RUN}`);
});
afterAll(async () => {
  await gateway?.stop();
});

it.each(["GOVERNANCE", "COMPLIANCE"] as const)(
  "%s: a backup that reuses older packs locks them as long as its own snapshot",
  async (mode) => {
    const space = testNamespace(env, `dw-f2l-${mode.toLowerCase()}-${RUN}`);
    await arrangeBackup(space, { wholeNamespace: true });
    await putConfigMaps(space, { a: "a1", b: "b1" });
    await space.patch("repositories", "repo", {
      spec: { backend: { s3: { bucket: LOCKED } }, objectLock: { mode, retention: "1h" } },
    });
    // An empty format-2 repository in the locked bucket (its first write makes the bucket, with Object Lock).
    const store = s3Store(env, space.prefix, { bucket: LOCKED, lock: { mode, retentionMs: 3_600_000 } });
    const config = { formatVersion: 2, created: new Date().toISOString(), encryption: null };
    await store.put("repository.json", Buffer.from(JSON.stringify(config)));
    const rig = await startWorkerRig(env, { queuePrefix: `dwfl-${mode}-${RUN}`, gatewayUrl: gateway.url });
    try {
      const first = await backup(space, rig, "one");
      const keys = async (prefix: string) => {
        const found: string[] = [];
        for await (const entry of store.list(prefix)) found.push(entry.key);
        return found;
      };
      const [oldPacks, oldIndexes] = [await keys("data/"), await keys("index/")];
      const before = await store.retainedUntil(oldPacks[0] ?? "");
      await new Promise((resolve) => setTimeout(resolve, 1100)); // retain-until dates a second apart
      await putConfigMaps(space, { a: "a2" });
      const second = await backup(space, rig, "two");

      const until = await store.retainedUntil(`snapshots/${second}/snapshot.json`);
      expect(until?.getTime()).toBeGreaterThan((before?.getTime() ?? 0) + 1000);
      for (const key of [...oldPacks, ...oldIndexes]) expect(await store.retainedUntil(key), key).toEqual(until);
      const repository = await openRepository({ store });
      expect(await expectVerified(repository)).toBe(2);
      expect(configMapYaml(await snapshotContents(repository, first), space.ns, "a")).toContain("value: a1");
      expect(configMapYaml(await snapshotContents(repository, second), space.ns, "a")).toContain("value: a2");
    } finally {
      await rig.close();
    }
  },
  90_000,
);
