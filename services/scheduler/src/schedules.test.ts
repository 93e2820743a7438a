import { createKubeClient, loadConnection } from "@kubedump/kube";
import { configKey, createQueue, createRedis, QUEUES, type TickJob } from "@kubedump/queue";
import { createLogger } from "@kubedump/service";
import { freePort, kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createConfig, installCrds } from "../../../test/e2e/harness.js";
import { resyncSchedules, runTick, syncSchedule } from "./schedules.js";

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

describe("resyncSchedules", () => {
  it("gives every configuration of the namespace its scheduler, and removes the scheduler of one that is gone", async () => {
    await createConfig(t, NS, "resync-kept", { schedule: "0 3 * * *" });
    await createConfig(t, NS, "resync-paused", { schedule: "0 4 * * *", paused: true });
    const gone = configKey(NS, "resync-gone");
    await ticks.upsertJobScheduler(
      gone,
      { pattern: "0 5 * * *" },
      { name: "tick", data: { namespace: NS, name: "x" } },
    );
    await resyncSchedules(deps, NS);
    const keys = (await ticks.getJobSchedulers()).map((s) => s.key);
    expect(keys).toContain(configKey(NS, "resync-kept"));
    expect(keys).not.toContain(configKey(NS, "resync-paused"));
    expect(keys).not.toContain(gone);
  });
});

describe("runTick", () => {
  it("logs a tick whose BackupSession cannot be created once, with namespace, name and slot, and fails the job", async () => {
    await createConfig(t, NS, "unreachable", { schedule: "30 2 * * *", timeZone: "Europe/Berlin" });
    const key = configKey(NS, "unreachable");
    const job = await ticks.upsertJobScheduler(
      key,
      { pattern: "30 2 * * *", tz: "Europe/Berlin", startDate: "2031-01-01T00:00:00Z" },
      { name: "tick", data: { namespace: NS, name: "unreachable" } },
    );
    // The API server is down at the slot: a real client, pointed at a port nothing listens on.
    const down = createKubeClient({
      connection: { ...loadConnection({ kubeconfig: t.kubeconfig }), server: `https://127.0.0.1:${await freePort()}` },
      maxRetries: 0,
    });
    const lines: string[] = [];
    const log = createLogger("scheduler", "info", { write: (line: string) => void lines.push(line) });
    await expect(runTick({ client: down, ticks, log }, job!)).rejects.toThrow(/cannot reach the API server/);
    down.close();
    await ticks.removeJobScheduler(key);
    const errors = lines.map((l) => JSON.parse(l)).filter((l) => l.level >= 50);
    expect(errors).toEqual([
      expect.objectContaining({
        namespace: NS,
        name: "unreachable",
        slot: "2031-01-01T01:30:00.000Z",
        session: "unreachable-1924997400",
        msg: expect.stringContaining("schedule tick failed"),
        err: expect.objectContaining({ type: "KubeUnreachableError" }),
      }),
    ]);
  });
});
