import { createKubeClient } from "@kubedump/kube";
import {
  configKey,
  createQueue,
  createRedis,
  QUEUES,
  type ScheduleJob,
  SCHEDULE_JOBS,
  type VerifyJob,
  verifyScheduleJobId,
} from "@kubedump/queue";
import { createLogger } from "@kubedump/service";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { crUrl, installCrds, setupRepository, waitFor } from "../../../test/e2e/harness.js";
import { createSchedulerApp } from "./app.js";
import { loadConfig } from "./config.js";
import { resyncVerifySchedules, syncVerifySchedule } from "./verify-schedules.js";

const t = inject("testenv");
const NS = "sched-verify";
const PREFIX = "schedverify";
const client = createKubeClient({ kubeconfig: t.kubeconfig });
const redis = createRedis(t.redisUrl);
const verify = createQueue<VerifyJob>(QUEUES.verify, { connection: redis, prefix: PREFIX });
const deps = { client, verify, log: createLogger("verify-schedules-test", "silent") };

/** Repository `name` of NS, made by setupRepository's manifest under another name, with `verify` merged in. */
async function repositoryWith(name: string, verifySpec: object | null): Promise<void> {
  await setupRepository(t, NS, { prefix: `sched-verify-${name}` });
  const repo = (await kubeHttp(t, crUrl("repositories", NS, "repo"))).body;
  const res = await kubeHttp(t, crUrl("repositories", NS), {
    body: { ...repo, metadata: { name }, spec: { ...repo.spec, verify: verifySpec ?? undefined } },
  });
  if (res.status !== 201) throw new Error(`creating Repository ${NS}/${name}: ${res.status} ${res.text}`);
}

const setVerify = (name: string, verifySpec: object | null) =>
  kubeHttp(t, crUrl("repositories", NS, name), {
    method: "PATCH",
    body: { spec: { verify: verifySpec } },
    contentType: "application/merge-patch+json",
  });

const scheduler = (name: string) => verify.getJobScheduler(configKey(NS, name));

beforeAll(async () => {
  await installCrds(t);
  await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: NS } } });
});

afterAll(async () => {
  await verify.obliterate({ force: true });
  await verify.close();
  redis.disconnect();
  client.close();
});

describe("syncVerifySchedule", () => {
  it("gives a Repository with spec.verify one job scheduler of verify jobs, and removes it with spec.verify", async () => {
    await repositoryWith("weekly", { schedule: "0 4 * * 0", timeZone: "Europe/Berlin", readData: 10 });
    expect(await syncVerifySchedule(deps, NS, "weekly")).toBe("scheduled");
    const s = await scheduler("weekly");
    expect(s).toMatchObject({
      pattern: "0 4 * * 0",
      tz: "Europe/Berlin",
      template: { data: { namespace: NS, name: "weekly" } },
    });
    const next = await verify.getJob(`repeat:${configKey(NS, "weekly")}:${s!.next}`);
    expect(next).toMatchObject({ name: "verify", opts: { attempts: 3 } });
    expect(await next!.getState()).toBe("delayed");

    // Unchanged: the same next job stays.
    expect(await syncVerifySchedule(deps, NS, "weekly")).toBe("scheduled");
    expect((await scheduler("weekly"))?.next).toBe(s!.next);
    expect((await verify.getDelayed()).filter((j) => j.data.name === "weekly")).toHaveLength(1);

    expect((await setVerify("weekly", null)).status).toBe(200);
    expect(await syncVerifySchedule(deps, NS, "weekly")).toBe("removed");
    expect(await scheduler("weekly")).toBeUndefined();
    expect((await verify.getDelayed()).filter((j) => j.data.name === "weekly")).toEqual([]);
  });

  it.each([
    ["no spec.verify", null],
    ["an invalid schedule", { schedule: "0 25 * * *", readData: 0 }],
  ])("gives a Repository with %s no job scheduler", async (_name, verifySpec) => {
    const name = verifySpec ? "bad-cron" : "unverified";
    await repositoryWith(name, verifySpec);
    expect(await syncVerifySchedule(deps, NS, name)).toBe("removed");
    expect(await scheduler(name)).toBeUndefined();
  });
});

describe("resyncVerifySchedules", () => {
  it("schedules every Repository with spec.verify and removes the scheduler of a deleted one", async () => {
    await repositoryWith("kept", { schedule: "@daily", readData: 0 });
    await repositoryWith("deleted", { schedule: "@daily", readData: 0 });
    await resyncVerifySchedules(deps, NS);
    expect(await scheduler("deleted")).toMatchObject({ pattern: "@daily", tz: "UTC" });
    await kubeHttp(t, crUrl("repositories", NS, "deleted"), { method: "DELETE" });
    await resyncVerifySchedules(deps, NS);
    expect(await scheduler("kept")).toMatchObject({ pattern: "@daily" });
    expect(await scheduler("deleted")).toBeUndefined();
  });
});

describe("the scheduler app", () => {
  it("syncs a Repository's scheduler on start and on the watcher's sync-verify job", async () => {
    await repositoryWith("app", { schedule: "30 3 * * *", readData: 100 });
    const config = loadConfig({
      KUBECONFIG: t.kubeconfig,
      REDIS_URL: t.redisUrl,
      QUEUE_PREFIX: PREFIX,
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: "0",
      LEADER_ELECTION: "false",
      WATCH_NAMESPACE: NS,
      LOG_LEVEL: "silent",
    });
    const app = createSchedulerApp({ config, log: createLogger("scheduler", "silent") });
    const schedules = createQueue<ScheduleJob>(QUEUES.schedules, { connection: redis, prefix: PREFIX });
    try {
      await app.start();
      await waitFor("the resync on start", async () => (await scheduler("app"))?.pattern === "30 3 * * *" || undefined);
      expect((await setVerify("app", { schedule: "45 3 * * *" })).status).toBe(200);
      await schedules.add(
        SCHEDULE_JOBS.verify,
        { namespace: NS, name: "app" },
        { jobId: verifyScheduleJobId(NS, "app") },
      );
      await waitFor("the new cron", async () => (await scheduler("app"))?.pattern === "45 3 * * *" || undefined);
      expect(await scheduler("app")).toMatchObject({ pattern: "45 3 * * *", tz: "UTC" });
    } finally {
      await app.close();
      await schedules.obliterate({ force: true });
      await schedules.close();
    }
  });
});
