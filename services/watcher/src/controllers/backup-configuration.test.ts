import { ConditionReason, ConditionType, setCondition } from "@kubedump/api";
import { configKey, QUEUES, type ScheduleJob } from "@kubedump/queue";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createConfig, crUrl, getObj, setupRepository, waitFor } from "../../../../test/e2e/harness.js";
import { conditionOf, startTestWatcher, type TestWatcher, waitForCondition } from "../test-support.js";

const t = inject("testenv");
const NS = "watcher-configuration";
let watcher: TestWatcher;

beforeAll(async () => {
  watcher = await startTestWatcher(t, NS);
  await setupRepository(t, NS, { prefix: "watcher-configuration" });
});

afterAll(() => watcher.stop());

describe("the BackupConfiguration controller", () => {
  it("makes a valid configuration with a usable Repository Ready and asks the scheduler to sync it", async () => {
    await createConfig(t, NS, "nightly", { schedule: "0 2 * * *" });
    const config = await waitForCondition(t, crUrl("backupconfigurations", NS, "nightly"), "Ready", "True");
    expect(config.status).toMatchObject({ phase: "Ready", observedGeneration: 1 });
    expect(conditionOf(config, "Ready")).toMatchObject({
      reason: "AllConditionsTrue",
      message: "SpecValid, RepositoryReady: True",
      observedGeneration: 1,
    });
    const job = await watcher.queues.get<ScheduleJob>(QUEUES.schedules).getJob(configKey(NS, "nightly"));
    expect(job?.data).toEqual({ namespace: NS, name: "nightly" });
  });

  it.each([
    {
      row: "an invalid schedule",
      name: "bad-cron",
      spec: { schedule: "0 25 * * *" },
      phase: "Invalid",
      reason: ConditionReason.InvalidSpec,
      message: "spec.schedule",
    },
    {
      row: "a Repository that does not exist",
      name: "no-repo",
      spec: { schedule: "@daily", repository: { name: "missing" } },
      phase: "NotReady",
      reason: ConditionReason.RepositoryNotFound,
      message: `Repository ${NS}/missing not found`,
    },
  ])("writes Ready False with the failing reason for $row", async ({ name, spec, phase, reason, message }) => {
    await createConfig(t, NS, name, spec);
    const config = await waitForCondition(t, crUrl("backupconfigurations", NS, name), "Ready", "False");
    expect(config.status).toMatchObject({ phase, observedGeneration: 1 });
    expect(conditionOf(config, "Ready")).toMatchObject({ reason, observedGeneration: 1 });
    expect(conditionOf(config, "Ready")?.message).toContain(message);
  });

  it("keeps Ready in step with the scheduler's Scheduled condition, without overwriting it", async () => {
    await createConfig(t, NS, "paused", { schedule: "@hourly", paused: true });
    const path = crUrl("backupconfigurations", NS, "paused");
    const ready = await waitForCondition(t, path, "Ready", "True");
    // What the scheduler writes for a paused configuration (services/scheduler writeScheduled).
    const conditions = setCondition(ready.status.conditions, {
      type: ConditionType.Scheduled,
      status: "False",
      reason: ConditionReason.Paused,
      message: "the configuration is paused",
    });
    const res = await kubeHttp(t, `${path}/status`, {
      method: "PATCH",
      body: { status: { conditions } },
      contentType: "application/merge-patch+json",
    });
    expect(res.status).toBe(200);
    const paused = await waitForCondition(t, path, "Ready", "False");
    expect(conditionOf(paused, "Ready")).toMatchObject({ reason: "Paused", message: "the configuration is paused" });
    expect(conditionOf(paused, "Scheduled")).toMatchObject({ status: "False", reason: "Paused" });
    expect(conditionOf(paused, "SpecValid")).toMatchObject({ status: "True" });
  });

  it("asks the scheduler to sync a configuration that was deleted", async () => {
    await createConfig(t, NS, "doomed", { schedule: "@daily" });
    await waitForCondition(t, crUrl("backupconfigurations", NS, "doomed"), "Ready", "True");
    const schedules = watcher.queues.get<ScheduleJob>(QUEUES.schedules);
    await (await schedules.getJob(configKey(NS, "doomed")))?.remove();
    await kubeHttp(t, crUrl("backupconfigurations", NS, "doomed"), { method: "DELETE" });
    expect(await getObj(t, crUrl("backupconfigurations", NS, "doomed"))).toBeUndefined();
    const job = await waitFor("a schedules job for the deleted configuration", () =>
      schedules.getJob(configKey(NS, "doomed")),
    );
    expect(job.data).toEqual({ namespace: NS, name: "doomed" });
  });
});
