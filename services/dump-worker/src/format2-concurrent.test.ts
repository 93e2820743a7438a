// Concurrency on one format-2 repository through the worker (issue 21, item 6): two BackupSessions
// of two BackupConfigurations at once, and a prune run while a backup holds its shared lock or
// while the prune holds its exclusive one. Afterwards every snapshot verifies and reads back whole.
import { randomBytes } from "node:crypto";
import { LockConflictError, listLiveLocks, type LockInfo } from "@kubedump/repository/format2";
import { format2Of } from "@kubedump/repository/format2";
import { openRepository, type Repository } from "@kubedump/repository";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { waitFor } from "../../../test/e2e/harness.js";
import { type TestNamespace, testNamespace } from "../../../test/e2e/test-namespace.js";
import {
  backup,
  configMapYaml,
  expectVerified,
  putConfigMaps,
  s3Store,
  slowStore,
  snapshotContents,
} from "./format2-test-support.js";
import {
  arrangeBackup,
  createFormat2Repository,
  SlowListClient,
  startGateway,
  startWorkerRig,
  type WorkerRig,
} from "./test-support.js";

const env = inject("testenv");
const RUN = randomBytes(3).toString("hex");
const WHOLE = (ns: string) => ({
  schedule: "0 0 1 1 *",
  target: { ref: { apiVersion: "v1", kind: "Namespace", name: ns } },
});
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  gateway = await startGateway(env, `dwx-${RUN}`);
});
afterAll(async () => {
  await gateway?.stop();
});

/** A namespace with ConfigMaps a and b, Repository `repo` (format 2) and BackupConfiguration `c` of the namespace. */
async function arrange(key: string): Promise<TestNamespace> {
  const space = testNamespace(env, `dw-f2x-${key}-${RUN}`);
  await arrangeBackup(space, { wholeNamespace: true });
  await createFormat2Repository(env, space.prefix);
  await putConfigMaps(space, { a: "a1", b: "b1" });
  return space;
}

/** Every snapshot of `expected` verifies and holds ConfigMaps a and b with these values. */
async function expectWhole(repository: Repository, ns: string, expected: Record<string, [string, string]>) {
  expect(await expectVerified(repository)).toBe(Object.keys(expected).length);
  for (const [id, [a, b]] of Object.entries(expected)) {
    const contents = await snapshotContents(repository, id);
    expect(configMapYaml(contents, ns, "a")).toContain(`value: ${a}`);
    expect(configMapYaml(contents, ns, "b")).toContain(`value: ${b}`);
  }
}

/** Three snapshots (a1, a2, a3), the middle one's snapshot.json removed: its blobs are prune's to delete. */
async function withGarbage(space: TestNamespace, rig: WorkerRig) {
  const first = await backup(space, rig, "one");
  await putConfigMaps(space, { a: "a2" });
  const middle = await backup(space, rig, "two");
  await putConfigMaps(space, { a: "a3" });
  const third = await backup(space, rig, "three");
  await s3Store(env, space.prefix).delete(`snapshots/${middle}/snapshot.json`);
  return { first, third };
}

const liveLocks = (space: TestNamespace): Promise<LockInfo[]> => listLiveLocks({ store: s3Store(env, space.prefix) });

it("two sessions of two BackupConfigurations back up into one format-2 repository at once", async () => {
  const space = await arrange("two");
  await space.createConfig("d", WHOLE(space.ns));
  const client = new SlowListClient(env.kubeconfig, 3000);
  const rig = await startWorkerRig(env, { queuePrefix: `dwx2-${RUN}`, gatewayUrl: gateway.url, client });
  try {
    let most = 0;
    const watching = waitFor(
      "both sessions to finish",
      async () => {
        most = Math.max(most, (await liveLocks(space)).filter((l) => l.kind === "shared").length);
        const phases = await Promise.all(["c1", "d1"].map(async (n) => (await space.get("backupsessions", n))?.status));
        return phases.every((s) => s?.completionTime) ? true : undefined;
      },
      90_000,
      200,
    );
    const [c1, d1] = await Promise.all([backup(space, rig, "c1", "c"), backup(space, rig, "d1", "d")]);
    await watching;
    expect(most).toBe(2); // both held their shared lock at once
    expect(c1).not.toBe(d1);
    await expectWhole(await space.repository(), space.ns, { [c1]: ["a1", "b1"], [d1]: ["a1", "b1"] });
    expect(await liveLocks(space)).toEqual([]);
  } finally {
    await rig.close(); // closes the client too
  }
}, 180_000);

it("a prune while a worker backup holds its shared lock is refused naming it, and prunes once it is done", async () => {
  const space = await arrange("busy");
  const rig = await startWorkerRig(env, {
    queuePrefix: `dwxb-${RUN}`,
    gatewayUrl: gateway.url,
    client: new SlowListClient(env.kubeconfig, 4000),
  });
  try {
    const { first, third } = await withGarbage(space, rig);
    await putConfigMaps(space, { b: "b4" });
    const running = backup(space, rig, "four");
    const held = await waitFor("the backup's shared lock", async () => (await liveLocks(space))[0], 30_000, 100);
    expect(held.holder).toMatch(/^backup \d{8}T\d{6}Z-/);
    const repository = await space.repository();
    const refused = await format2Of(repository)
      ?.prune()
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(LockConflictError);
    expect((refused as LockConflictError).holders.map((h) => h.key)).toEqual([held.key]);
    const fourth = await running;

    const report = await format2Of(await space.repository())?.prune({ repackThreshold: 0 });
    expect((report?.packsDeleted ?? 0) + (report?.packsRepacked ?? 0)).toBeGreaterThan(0);
    const expected = { [first]: ["a1", "b1"], [third]: ["a3", "b1"], [fourth]: ["a3", "b4"] } as const;
    await expectWhole(await space.repository(), space.ns, expected as Record<string, [string, string]>);
  } finally {
    await rig.close();
  }
}, 240_000);

it("a backup that starts while a prune holds the exclusive lock is retried after it and loses no blob", async () => {
  const space = await arrange("prune");
  const rig = await startWorkerRig(env, { queuePrefix: `dwxp-${RUN}`, gatewayUrl: gateway.url });
  try {
    const { first, third } = await withGarbage(space, rig);
    const slow = await openRepository({ store: slowStore(s3Store(env, space.prefix), 1500) });
    const pruning = format2Of(slow)?.prune({ repackThreshold: 0 });
    await waitFor("the prune's exclusive lock", async () => (await liveLocks(space))[0], 30_000, 100);
    await putConfigMaps(space, { b: "b4" });
    const fourth = await backup(space, rig, "four", "c", 5);
    const report = await pruning;
    expect((report?.packsDeleted ?? 0) + (report?.packsRepacked ?? 0)).toBeGreaterThan(0);
    const refusals = rig.logs.filter((l) => /cannot take a shared repository lock/.test(l.msg));
    expect(refusals.length).toBeGreaterThan(0); // the backup did meet the prune
    const expected = { [first]: ["a1", "b1"], [third]: ["a3", "b1"], [fourth]: ["a3", "b4"] } as const;
    await expectWhole(await space.repository(), space.ns, expected as Record<string, [string, string]>);
  } finally {
    await rig.close();
  }
}, 240_000);
