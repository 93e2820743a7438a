import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseTextFormat } from "@kubedump/metrics";
import { configKey, createQueue, createRedis, QUEUES, type VerifyJob } from "@kubedump/queue";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createConfig,
  createSession,
  crUrl,
  getObj,
  installCrds,
  setupRepository,
  type Stack,
  startStack,
  waitFor,
  waitForSession,
} from "./harness.js";

// A Repository's spec.verify through the four services as processes: the watcher asks the
// scheduler to sync, the scheduler keeps a job scheduler on kubedump-verify, a dump worker runs
// its job (the slot's job is promoted rather than waited for) and writes status and metric.
const t = inject("testenv");
const NS = "e2e-verify";
const PREFIX = "e2everify";
const redis = createRedis(t.redisUrl);
const verify = createQueue<VerifyJob>(QUEUES.verify, { connection: redis, prefix: PREFIX });
let stack: Stack;

beforeAll(async () => {
  await installCrds(t);
  await setupRepository(t, NS, { prefix: NS });
  await createConfig(t, NS, "c", {
    schedule: "0 0 1 1 *",
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: NS } },
  });
  stack = await startStack(t, {
    prefix: PREFIX,
    logDir: mkdtempSync(join(tmpdir(), "kubedump-e2e-verify-")),
    extraEnv: { WATCH_NAMESPACE: NS },
  });
});
afterAll(async () => {
  await stack?.stop();
  await verify.close();
  redis.disconnect();
});

const setVerify = (value: object | null) =>
  kubeHttp(t, crUrl("repositories", NS, "repo"), {
    method: "PATCH",
    body: { spec: { verify: value } },
    contentType: "application/merge-patch+json",
  });

describe("a Repository's verify schedule", () => {
  it("gets a job scheduler, its job runs on a dump worker, and it goes with spec.verify", {
    timeout: 180_000,
  }, async () => {
    await createSession(t, NS, "s1", "c");
    expect((await waitForSession(t, NS, "s1")).status.phase).toBe("Succeeded");

    expect((await setVerify({ schedule: "0 4 * * 0", timeZone: "Europe/Berlin", readData: 100 })).status).toBe(200);
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
        const r = await getObj(t, crUrl("repositories", NS, "repo"));
        return r?.status?.integrity === undefined ? undefined : r;
      },
      60_000,
    );
    expect(repo.status).toMatchObject({
      integrity: true,
      verifySummary: "1 snapshot checked (1 read in full): no damage found",
    });
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

    expect((await setVerify(null)).status).toBe(200);
    await waitFor(
      "the job scheduler to go",
      async () => ((await verify.getJobScheduler(configKey(NS, "repo"))) ? undefined : true),
      60_000,
    );
    expect(await verify.getJobSchedulers()).toEqual([]);
  });
});
