import { QUEUES, SCHEDULE_JOBS, type ScheduleJob, verifyScheduleJobId } from "@kubedump/queue";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { crUrl, getObj, setupRepository, waitFor } from "../../../../test/e2e/harness.js";
import { conditionOf, startTestWatcher, type TestWatcher, waitForCondition } from "../test-support.js";

const t = inject("testenv");
const NS = "watcher-repository-verify";
let watcher: TestWatcher;

beforeAll(async () => {
  watcher = await startTestWatcher(t, NS);
  await setupRepository(t, NS, { prefix: "watcher-repository-verify" }); // Secret s3-secret and Repository repo
});

afterAll(() => watcher.stop());

/** A Repository like `repo` under another name, with `verify` in its spec. */
async function createVerified(name: string, verify: object): Promise<void> {
  const repo = (await kubeHttp(t, crUrl("repositories", NS, "repo"))).body;
  const res = await kubeHttp(t, crUrl("repositories", NS), {
    body: { apiVersion: repo.apiVersion, kind: repo.kind, metadata: { name }, spec: { ...repo.spec, verify } },
  });
  if (res.status !== 201) throw new Error(`creating Repository ${NS}/${name}: ${res.status} ${res.text}`);
}

const syncJob = (name: string) =>
  waitFor(`the sync-verify job of ${NS}/${name}`, () =>
    watcher.queues.get<ScheduleJob>(QUEUES.schedules).getJob(verifyScheduleJobId(NS, name)),
  );

describe("the Repository controller and spec.verify", () => {
  it("makes a Repository with a valid spec.verify Ready and asks the scheduler to sync its verify schedule", async () => {
    await createVerified("weekly", { schedule: "0 4 * * 0", timeZone: "Europe/Berlin", readData: 10 });
    const repo = await waitForCondition(t, crUrl("repositories", NS, "weekly"), "Ready", "True");
    expect(repo.status).toMatchObject({ phase: "Ready", observedGeneration: 1 });
    const job = await syncJob("weekly");
    expect(job).toMatchObject({ name: SCHEDULE_JOBS.verify, data: { namespace: NS, name: "weekly" } });
  });

  it("makes a Repository with an invalid spec.verify.schedule NotReady, Ready False naming the field", async () => {
    await createVerified("bad-cron", { schedule: "0 25 * * *", readData: 0 });
    const repo = await waitForCondition(t, crUrl("repositories", NS, "bad-cron"), "Ready", "False");
    expect(repo.status).toMatchObject({ phase: "NotReady", observedGeneration: 1 });
    const ready = conditionOf(repo, "Ready");
    expect(ready).toMatchObject({ reason: "InvalidSpec", observedGeneration: 1 });
    expect(ready?.message).toBe('spec.verify.schedule: hour "25": 25 is out of range 0-23');
    // The scheduler is asked all the same: it removes the scheduler of an invalid Repository.
    expect((await syncJob("bad-cron")).data).toEqual({ namespace: NS, name: "bad-cron" });
  });

  it("asks the scheduler to sync a Repository that was deleted", async () => {
    await createVerified("doomed", { schedule: "@daily", readData: 0 });
    const schedules = watcher.queues.get<ScheduleJob>(QUEUES.schedules);
    await (await syncJob("doomed")).remove();
    await kubeHttp(t, crUrl("repositories", NS, "doomed"), { method: "DELETE" });
    expect(await getObj(t, crUrl("repositories", NS, "doomed"))).toBeUndefined();
    const job = await waitFor("a sync-verify job for the deleted Repository", () =>
      schedules.getJob(verifyScheduleJobId(NS, "doomed")),
    );
    expect(job.data).toEqual({ namespace: NS, name: "doomed" });
  });
});
