import { ConditionReason, ConditionType, setCondition } from "@kubedump/api";
import { configKey, QUEUES, type ScheduleJob } from "@kubedump/queue";
import { kubeHttp } from "@kubedump/testenv";
import { describe, expect, inject, it } from "vitest";
import { waitFor } from "../../../../test/e2e/harness.js";
import { conditionOf, testNamespace } from "../../../../test/e2e/test-namespace.js";
import { watchDuringTests } from "../test-support.js";

const space = testNamespace(inject("testenv"), "watcher-configuration");
const NS = space.ns;
const queues = watchDuringTests(space);

describe("the BackupConfiguration controller", () => {
  it("makes a valid configuration with a usable Repository Ready and asks the scheduler to sync it", async () => {
    await space.createConfig("nightly", { schedule: "0 2 * * *" });
    const config = await space.waitForCondition("backupconfigurations", "nightly", "Ready", "True");
    expect(config.status).toMatchObject({ phase: "Ready", observedGeneration: 1 });
    expect(conditionOf(config, "Ready")).toMatchObject({
      reason: "AllConditionsTrue",
      message: "SpecValid, RepositoryReady: True",
      observedGeneration: 1,
    });
    const job = await queues.get<ScheduleJob>(QUEUES.schedules).getJob(configKey(NS, "nightly"));
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
    await space.createConfig(name, spec);
    const config = await space.waitForCondition("backupconfigurations", name, "Ready", "False");
    expect(config.status).toMatchObject({ phase, observedGeneration: 1 });
    expect(conditionOf(config, "Ready")).toMatchObject({ reason, observedGeneration: 1 });
    expect(conditionOf(config, "Ready")?.message).toContain(message);
  });

  it("keeps Ready in step with the scheduler's Scheduled condition, without overwriting it", async () => {
    await space.createConfig("paused", { schedule: "@hourly", paused: true });
    const ready = await space.waitForCondition("backupconfigurations", "paused", "Ready", "True");
    // What the scheduler writes for a paused configuration (services/scheduler writeScheduled).
    const conditions = setCondition(ready.status.conditions, {
      type: ConditionType.Scheduled,
      status: "False",
      reason: ConditionReason.Paused,
      message: "the configuration is paused",
    });
    await space.patch("backupconfigurations", "paused", { status: { conditions } }, "status");
    const paused = await space.waitForCondition("backupconfigurations", "paused", "Ready", "False");
    expect(conditionOf(paused, "Ready")).toMatchObject({ reason: "Paused", message: "the configuration is paused" });
    expect(conditionOf(paused, "Scheduled")).toMatchObject({ status: "False", reason: "Paused" });
    expect(conditionOf(paused, "SpecValid")).toMatchObject({ status: "True" });
  });

  it("asks the scheduler to sync a configuration that was deleted", async () => {
    await space.createConfig("doomed", { schedule: "@daily" });
    await space.waitForCondition("backupconfigurations", "doomed", "Ready", "True");
    const schedules = queues.get<ScheduleJob>(QUEUES.schedules);
    await (await schedules.getJob(configKey(NS, "doomed")))?.remove();
    await kubeHttp(space.t, space.url("backupconfigurations", "doomed"), { method: "DELETE" });
    expect(await space.get("backupconfigurations", "doomed")).toBeUndefined();
    const job = await waitFor("a schedules job for the deleted configuration", () =>
      schedules.getJob(configKey(NS, "doomed")),
    );
    expect(job.data).toEqual({ namespace: NS, name: "doomed" });
  });
});
