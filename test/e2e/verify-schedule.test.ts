import { parseTextFormat } from "@kubedump/metrics";
import { configKey, createQueue, createRedis, QUEUES, type VerifyJob } from "@kubedump/queue";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Stack, startStack, waitFor } from "./harness.js";
import { testNamespace } from "./test-namespace.js";

// A Repository's spec.verify through the four services as processes: the watcher asks the
// scheduler to sync, the scheduler keeps a job scheduler on kubedump-verify, a dump worker runs
// its job (the slot's job is promoted rather than waited for) and writes status and metric.
const e2e = testNamespace(inject("testenv"), "e2e-verify");
const NS = e2e.ns;
const redis = createRedis(e2e.t.redisUrl);
// startStack's queue prefix is the namespace's name.
const verify = createQueue<VerifyJob>(QUEUES.verify, { connection: redis, prefix: NS });
let stack: Stack;

beforeAll(async () => {
  await e2e.setup();
  await e2e.createConfig("c", {
    schedule: "0 0 1 1 *",
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: NS } },
  });
  stack = await startStack(e2e);
});
afterAll(async () => {
  await stack?.stop();
  await verify.close();
  redis.disconnect();
});

const setVerify = (value: object | null) => e2e.patch("repositories", "repo", { spec: { verify: value } });

describe("a Repository's verify schedule", () => {
  it("gets a job scheduler, its job runs on a dump worker, and it goes with spec.verify", {
    timeout: 180_000,
  }, async () => {
    await e2e.createSession("s1", "c");
    expect((await e2e.waitForSession("s1")).status.phase).toBe("Succeeded");

    await setVerify({ schedule: "0 4 * * 0", timeZone: "Europe/Berlin", readData: 100 });
    const scheduler = await waitFor(
      "the verify job scheduler",
      () => verify.getJobScheduler(configKey(NS, "repo")),
      60_000,
    );
    expect(scheduler).toMatchObject({ pattern: "0 4 * * 0", tz: "Europe/Berlin" });
    const slot = await waitFor("the job of its next slot", () =>
      verify.getJob(`repeat:${configKey(NS, "repo")}:${scheduler.next}`),
    );
    await slot.promote();

    const repo = await waitFor(
      "status.integrity",
      async () => {
        const r = await e2e.get("repositories", "repo");
        return r?.status?.integrity === undefined ? undefined : r;
      },
      60_000,
    );
    // The Repository names no format: format 2, whose readData 100 reads every pack.
    expect(repo.status.integrity).toBe(true);
    const [, read, total] = /^1 snapshot checked \((\d+) of (\d+) packs read in full\): no damage found$/.exec(
      repo.status.verifySummary,
    ) ?? ["", "", "none"];
    expect(read).toBe(total);
    const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    const integrity = parseTextFormat(text)
      .flatMap((f) => f.samples)
      .filter((s) => s.name === "kubedump_repository_integrity" && s.labels.namespace === NS);
    expect(integrity).toEqual([
      expect.objectContaining({
        value: 1,
        labels: expect.objectContaining({ repository: "repo", invoker_kind: "Repository" }),
      }),
    ]);

    await setVerify(null);
    await waitFor(
      "the job scheduler to go",
      async () => ((await verify.getJobScheduler(configKey(NS, "repo"))) ? undefined : true),
      60_000,
    );
    expect(await verify.getJobSchedulers()).toEqual([]);
  });
});
