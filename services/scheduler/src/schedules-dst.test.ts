import { BACKUP_CONFIGURATION_LABEL } from "@kubedump/api";
import { createKubeClient } from "@kubedump/kube";
import { configKey, createQueue, createRedis, createWorker, QUEUES, type TickJob } from "@kubedump/queue";
import { createLogger } from "@kubedump/service";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createConfig, installCrds } from "../../../test/e2e/harness.js";
import { runTick } from "./schedules.js";

// Slots of schedules in a time zone across daylight-saving changes, through the real chain: a
// BullMQ job scheduler with the cron and the zone (BullMQ computes each next slot with
// cron-parser from the previous one), the tick worker, and BackupSessions `<config>-<slot unix
// seconds>` in the API server. The scheduler starts at a future date; each slot's job is promoted
// rather than waited for. The semantics are cron's "once per local time": a time the clock skips
// runs shifted by the gap (02:30 → 03:30), a fixed time the clock passes twice runs at its first
// occurrence only, and a wildcard hour runs in every real hour. Kubernetes CronJob (robfig/cron)
// differs on the first two: it skips the 02:30 and runs the 01:30 twice.
const t = inject("testenv");
const NS = "sched-dst";
const client = createKubeClient({ kubeconfig: t.kubeconfig });
const redis = createRedis(t.redisUrl);
const qdeps = { connection: redis, prefix: "scheddst" };
const ticks = createQueue<TickJob>(QUEUES.ticks, qdeps);
const deps = { client, ticks, log: createLogger("schedules-dst-test", "silent") };
const worker = createWorker<TickJob>(QUEUES.ticks, (job) => runTick(deps, job), qdeps);

beforeAll(async () => {
  await installCrds(t);
  await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: NS } } });
});

afterAll(async () => {
  await worker.close();
  await ticks.obliterate({ force: true });
  await ticks.close();
  redis.disconnect();
  client.close();
});

/** Runs `count` ticks of a configuration's scheduler starting at `from`; returns the sessions they made, in order. */
async function tick(name: string, schedule: string, timeZone: string, from: string, count: number): Promise<string[]> {
  await createConfig(t, NS, name, { schedule, timeZone });
  const key = configKey(NS, name);
  await ticks.upsertJobScheduler(
    key,
    { pattern: schedule, tz: timeZone, startDate: from },
    { name: "tick", data: { namespace: NS, name } },
  );
  const made: string[] = [];
  for (let i = 0; i < count; i++) {
    const { next } = (await ticks.getJobScheduler(key))!;
    const id = `repeat:${key}:${next}`;
    await (await ticks.getJob(id))!.promote();
    await expect.poll(async () => (await ticks.getJob(id))?.finishedOn, { interval: 20 }).toBeDefined();
    const job = (await ticks.getJob(id))!;
    expect(job.failedReason).toBeUndefined();
    made.push(job.returnvalue);
  }
  await ticks.removeJobScheduler(key);
  return made;
}

/** The BackupSessions of a configuration in the API server. */
async function sessionsOf(name: string): Promise<string[]> {
  const selector = encodeURIComponent(`${BACKUP_CONFIGURATION_LABEL}=${name}`);
  const res = await kubeHttp(t, `/apis/kubedump.io/v1alpha1/namespaces/${NS}/backupsessions?labelSelector=${selector}`);
  return (res.body.items as { metadata: { name: string } }[]).map((s) => s.metadata.name).sort();
}

const at = (...instants: string[]) => instants.map((i) => Date.parse(i) / 1000);

describe("a schedule in a time zone across daylight-saving changes", () => {
  it.each([
    // America/New_York springs forward on 2030-03-10 at 02:00 EST (07:00Z) to 03:00 EDT.
    [
      "daily 02:30 on the spring-forward day: 02:30 does not exist, so 03:30 EDT",
      "ny-spring-daily",
      "30 2 * * *",
      "America/New_York",
      "2030-03-09T12:00:00Z",
      at("2030-03-10T07:30:00Z", "2030-03-11T06:30:00Z", "2030-03-12T06:30:00Z"),
    ],
    [
      "hourly on the spring-forward day: 00:00 and 01:00 EST, then 03:00 and 04:00 EDT",
      "ny-spring-hourly",
      "0 * * * *",
      "America/New_York",
      "2030-03-10T04:30:00Z",
      at("2030-03-10T05:00:00Z", "2030-03-10T06:00:00Z", "2030-03-10T07:00:00Z", "2030-03-10T08:00:00Z"),
    ],
    // ... and falls back on 2030-11-03 at 02:00 EDT (06:00Z) to 01:00 EST: 01:00-02:00 happens twice.
    [
      "daily 01:30 on the fall-back day: once, at 01:30 EDT, not again at 01:30 EST",
      "ny-fall-daily",
      "30 1 * * *",
      "America/New_York",
      "2030-11-02T12:00:00Z",
      at("2030-11-03T05:30:00Z", "2030-11-04T06:30:00Z", "2030-11-05T06:30:00Z"),
    ],
    [
      "hourly on the fall-back day: 01:00 EDT and 01:00 EST are two slots an hour apart",
      "ny-fall-hourly",
      "0 * * * *",
      "America/New_York",
      "2030-11-03T03:30:00Z",
      at(
        "2030-11-03T04:00:00Z",
        "2030-11-03T05:00:00Z",
        "2030-11-03T06:00:00Z",
        "2030-11-03T07:00:00Z",
        "2030-11-03T08:00:00Z",
      ),
    ],
    // Europe/Berlin springs forward on 2030-03-31 at 02:00 CET (01:00Z) and falls back on 2030-10-27 at 03:00 CEST (01:00Z).
    [
      "daily 02:30 on Berlin's spring-forward day: 03:30 CEST",
      "berlin-spring-daily",
      "30 2 * * *",
      "Europe/Berlin",
      "2030-03-30T12:00:00Z",
      at("2030-03-31T01:30:00Z", "2030-04-01T00:30:00Z"),
    ],
    [
      "daily 02:30 on Berlin's fall-back day: once, at 02:30 CEST",
      "berlin-fall-daily",
      "30 2 * * *",
      "Europe/Berlin",
      "2030-10-26T12:00:00Z",
      at("2030-10-27T00:30:00Z", "2030-10-28T01:30:00Z"),
    ],
  ])("%s", async (_title, name, schedule, timeZone, from, slots) => {
    const expected = slots.map((s) => `${name}-${s}`);
    const made = await tick(name, schedule, timeZone, from, slots.length);
    expect(made).toEqual(expected); // one tick per slot: no slot came twice
    expect(await sessionsOf(name)).toEqual([...expected].sort());
  });
});
