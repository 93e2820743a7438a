import { createQueue, createRedis, QUEUES, type VerifyJob } from "@kubedump/queue";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { kubeHttp, s3StoreOptions } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createConfig,
  createSession,
  installCrds,
  setupRepository,
  waitForSession,
} from "../../../test/e2e/harness.js";
import { BUCKET, startGateway, startWorkerRig, type WorkerRig } from "./test-support.js";
import { verifyJobRunner } from "./verify-job-support.js";

// A verify job on a format-2 repository (the default), through the real kubedump-verify queue and
// dump worker: one repository verify for all snapshots (they share packs), readData as the share of
// packs read, the others checked by size; a damaged pack is named in the summary and the Event.
const t = inject("testenv");
const RUN = Date.now().toString(36).slice(-6);
const NS = `dwv2-${RUN}`;
const PREFIX = `dwv2-${RUN}`;
const redis = createRedis(t.redisUrl);
const store = createS3ObjectStore(s3StoreOptions(t, BUCKET, PREFIX));
const verifyQueue = createQueue<VerifyJob>(QUEUES.verify, { connection: redis, prefix: PREFIX });
let rig: WorkerRig;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  await installCrds(t);
  await setupRepository(t, NS, { prefix: PREFIX });
  await kubeHttp(t, `/api/v1/namespaces/${NS}/configmaps`, { body: { metadata: { name: "cm" }, data: { a: "1" } } });
  await createConfig(t, NS, "c", {
    schedule: "0 0 1 1 *",
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: NS } },
  });
  gateway = await startGateway(t, PREFIX);
  rig = await startWorkerRig(t, { queuePrefix: PREFIX, gatewayUrl: gateway.url });
  for (const name of ["s1", "s2"]) {
    await rig.enqueue(await createSession(t, NS, name, "c"));
    expect((await waitForSession(t, NS, name)).status.phase).toBe("Succeeded");
  }
});

afterAll(async () => {
  await rig?.close();
  await gateway?.stop();
  await verifyQueue.obliterate({ force: true }).catch(() => {});
  await verifyQueue.close();
  redis.disconnect();
});

const verifyWith = verifyJobRunner(t, NS, verifyQueue);

const packKeys = async () => {
  const keys: string[] = [];
  for await (const { key } of store.list("data/")) keys.push(key);
  return keys;
};

describe("a verify job on a format-2 repository", () => {
  it("reads every pack once with readData 100 and none with 0, and finds no damage", async () => {
    const packs = (await packKeys()).length;
    expect(packs).toBeGreaterThan(0);
    const all = await verifyWith(100);
    expect(all.result).toBe("Intact");
    expect(all.repo.status).toMatchObject({
      integrity: true,
      verifySummary: `2 snapshots checked (${packs} of ${packs} packs read in full): no damage found`,
    });
    const none = await verifyWith(0);
    expect(none.repo.status.verifySummary).toBe(
      `2 snapshots checked (0 of ${packs} packs read in full): no damage found`,
    );
  });

  it("names a pack of another size with readData 0 and a same-size overwrite with 100, then sound again", async () => {
    const [pack] = await packKeys();
    const original = await store.getBuffer(pack!);
    try {
      await store.put(pack!, original.subarray(0, original.length - 7));
      const cut = await verifyWith(0);
      expect(cut.result).toBe("Damaged");
      expect(cut.repo.status.integrity).toBe(false);
      expect(cut.repo.status.verifySummary).toMatch(
        new RegExp(`${pack}(, blob [0-9a-f]{64})?: pack has ${original.length - 7} bytes`),
      );
      await store.put(pack!, Buffer.alloc(original.length, 0x5a));
      const overwritten = await verifyWith(100);
      expect(overwritten.result).toBe("Damaged");
      expect(overwritten.repo.status.verifySummary).toMatch(
        new RegExp(`${pack}(, blob [0-9a-f]{64})?: pack does not read`),
      );
    } finally {
      await store.put(pack!, original);
    }
    expect((await verifyWith(100)).repo.status.integrity).toBe(true);
  });
});
