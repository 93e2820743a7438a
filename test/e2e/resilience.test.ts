import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Redis, startRedis } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Stack, startStack, stopService, waitFor } from "./harness.js";
import { testNamespace } from "./test-namespace.js";

const e2e = testNamespace(inject("testenv"), "e2e-res");
let stack: Stack;
let redis: Redis;
let redisDir: string;

beforeAll(async () => {
  await e2e.setup();
  redisDir = mkdtempSync(join(tmpdir(), "kubedump-e2e-redis-"));
  redis = await startRedis(redisDir);
  stack = await startStack(e2e, { redisUrl: redis.url });
});
afterAll(async () => {
  await stack?.stop();
  await redis?.process.stop();
});

const leaders = () =>
  stack.processes.filter(
    (p) => p.name.startsWith("watcher") && readFileSync(p.logFile, "utf8").includes('"started leading"'),
  );

describe("resilience", () => {
  it("Redis restarted mid-run: no configuration loses its schedule, no session is lost", {
    timeout: 600_000,
  }, async () => {
    await e2e.createConfig("minutely", {
      schedule: "* * * * *",
      target: { ref: { apiVersion: "v1", kind: "Namespace", name: e2e.ns } },
    });
    await e2e.createConfig("manual", {
      schedule: "0 0 1 1 *",
      target: { ref: { apiVersion: "v1", kind: "Namespace", name: e2e.ns } },
    });
    const first = await e2e.waitForScheduled("minutely");
    await e2e.waitForSession(first.metadata.name);
    // Redis goes away with everything in it (no persistence), and comes back empty on the same port.
    await redis.process.stop();
    await e2e.createSession("manual-during-outage", "manual");
    await new Promise((r) => setTimeout(r, 3000));
    redis = await startRedis(redisDir, { port: redis.port });
    const done = await e2e.waitForSession("manual-during-outage", 120_000);
    expect(done.status.phase).toBe("Succeeded");
    const restartedAt = Date.now();
    const later = await e2e.waitForScheduled("minutely", restartedAt);
    expect((await e2e.waitForSession(later.metadata.name)).status.phase).toBe("Succeeded");
  });

  it("two watcher replicas: only the leader acts; killing it hands over within the lease time", {
    timeout: 600_000,
  }, async () => {
    stack.start("watcher", "watcher-2");
    await waitFor("one leader", async () => (leaders().length === 1 ? true : undefined), 30_000);
    await new Promise((r) => setTimeout(r, 5000));
    expect(leaders()).toHaveLength(1);
    const leader = leaders()[0]!;
    const other = stack.processes.find((p) => p.name.startsWith("watcher") && p !== leader)!;
    const killedAt = Date.now();
    await stopService(leader, "SIGKILL");
    await waitFor(
      "the other watcher to lead",
      async () => (readFileSync(other.logFile, "utf8").includes('"started leading"') ? true : undefined),
      30_000,
      200,
    );
    const handover = Date.now() - killedAt;
    // The lease lasts 4 s from the leader's last renewal; the other replica retries every ~0.6 s.
    expect(handover).toBeLessThan(7000);
    await e2e.createSession("manual-after-handover", "manual");
    expect((await e2e.waitForSession("manual-after-handover")).status.phase).toBe("Succeeded");
  });
});
