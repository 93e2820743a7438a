import { createKubeClient } from "@kubedump/kube";
import { configKey, createQueue, createRedis, QUEUES, type TickJob } from "@kubedump/queue";
import { createLogger } from "@kubedump/service";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createConfig, installCrds } from "../../../test/e2e/harness.js";
import { syncSchedule } from "./schedules.js";

const t = inject("testenv");
const NS = "sched-sync";
const client = createKubeClient({ kubeconfig: t.kubeconfig });
const redis = createRedis(t.redisUrl);
const ticks = createQueue<TickJob>(QUEUES.ticks, { connection: redis, prefix: "schedsync" });
const deps = { client, ticks, log: createLogger("schedules-test", "silent") };

beforeAll(async () => {
  await installCrds(t);
  await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: NS } } });
});

afterAll(async () => {
  await ticks.obliterate({ force: true });
  await ticks.close();
  redis.disconnect();
  client.close();
});

describe("syncSchedule", () => {
  it("called many times at once, leaves one scheduler with exactly one next job, and does not replace it when nothing changed", async () => {
    await createConfig(t, NS, "often", { schedule: "*/5 * * * *" });
    const key = configKey(NS, "often");
    expect(await Promise.all(Array.from({ length: 6 }, () => syncSchedule(deps, NS, "often")))).toEqual(
      Array(6).fill("scheduled"),
    );
    const scheduler = await ticks.getJobScheduler(key);
    expect(scheduler).toMatchObject({ pattern: "*/5 * * * *", tz: "UTC" });
    expect(scheduler!.next).toBeGreaterThan(Date.now());
    const delayed = (await ticks.getDelayed()).filter((j) => j.id?.startsWith(`repeat:${key}:`));
    expect(delayed.map((j) => j.id)).toEqual([`repeat:${key}:${scheduler!.next}`]);
    const created = delayed[0]!.timestamp;

    // Nothing changed: the same job stays (a new upsert would have made a new one).
    await syncSchedule(deps, NS, "often");
    const again = (await ticks.getDelayed()).filter((j) => j.id?.startsWith(`repeat:${key}:`));
    expect(again.map((j) => [j.id, j.timestamp])).toEqual([[`repeat:${key}:${scheduler!.next}`, created]]);

    // A new cron: upserted.
    await kubeHttp(t, `/apis/kubedump.io/v1alpha1/namespaces/${NS}/backupconfigurations/often`, {
      method: "PATCH",
      body: { spec: { schedule: "*/7 * * * *" } },
      contentType: "application/merge-patch+json",
    });
    await syncSchedule(deps, NS, "often");
    expect(await ticks.getJobScheduler(key)).toMatchObject({ pattern: "*/7 * * * *" });
    const changed = (await ticks.getDelayed()).filter((j) => j.id?.startsWith(`repeat:${key}:`));
    expect(changed).toHaveLength(1);
  });
});
