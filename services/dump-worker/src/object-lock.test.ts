// A Repository with spec.objectLock through the real queue and worker: the retention policy leaves
// the locked snapshot whole and the session's condition and Event say until when.
import { randomBytes } from "node:crypto";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { s3StoreOptions } from "@kubedump/testenv";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import type { Obj } from "../../../test/e2e/harness.js";
import { testNamespace } from "../../../test/e2e/test-namespace.js";
import { arrangeBackup, startGateway, startWorkerRig } from "./test-support.js";

const env = inject("testenv");
const RUN = randomBytes(3).toString("hex");
const LOCKED = `kubedump-worker-lock-${RUN}`;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  gateway = await startGateway(env, `dwl-${RUN}`);
});
afterAll(async () => {
  await gateway?.stop();
});

it("retention leaves a snapshot S3 Object Lock retains whole and says so in the condition and Event", async () => {
  const space = testNamespace(env, `dw-lock-${RUN}`);
  await arrangeBackup(space, { spec: { retentionPolicy: { name: "keep-one", keepLast: 1, prune: true } } });
  await space.patch("repositories", "repo", {
    spec: { backend: { s3: { bucket: LOCKED } }, objectLock: { mode: "GOVERNANCE", retention: "1h" } },
  });
  const rig = await startWorkerRig(env, { queuePrefix: `dwl-${RUN}`, gatewayUrl: gateway.url });
  try {
    await rig.enqueue(await space.createSession("first", "c"));
    const first = await space.waitForSession("first");
    expect(first.status.phase, JSON.stringify(first.status)).toBe("Succeeded");
    const firstId = first.status.snapshot.id as string;
    await rig.enqueue(await space.createSession("second", "c"));
    const second = await space.waitForSession("second");

    expect(second.status.phase).toBe("Succeeded");
    const condition = second.status.conditions.find((c: Obj) => c.type === "SnapshotCommitted");
    expect(condition.message).toMatch(
      new RegExp(`retention left 1 snapshot locked by S3 Object Lock: ${firstId} until \\d{4}-\\d\\d-\\d\\dT`),
    );
    expect((await space.eventsOf("second")).map((ev) => ev.message)).toEqual([condition.message]);
    // The bucket was created with Object Lock by the first backup, and the first snapshot is all there.
    const store = createS3ObjectStore({
      ...s3StoreOptions(env, LOCKED, space.prefix),
      objectLock: { mode: "GOVERNANCE", retentionMs: 1000 },
    });
    const until = await store.retainedUntil(`snapshots/${firstId}/snapshot.json`);
    expect(until?.getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect((await space.get("repositories", "repo"))?.status?.snapshotCount).toBe(2);
  } finally {
    await rig.close();
  }
}, 60_000);
