import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Redis, startRedis } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createConfig,
  createSession,
  installCrds,
  sessionsOf,
  setupRepository,
  type Stack,
  startStack,
  stopService,
  waitFor,
  waitForSession,
} from "./harness.js";

const t = inject("testenv");
const NS = "e2e-res";
let stack: Stack;
let redis: Redis;
let redisDir: string;

beforeAll(async () => {
  await installCrds(t);
  await setupRepository(t, NS, { prefix: NS });
  redisDir = mkdtempSync(join(tmpdir(), "kubedump-e2e-redis-"));
  redis = await startRedis(redisDir);
  stack = await startStack(
    { ...t, redisUrl: redis.url },
    { prefix: "e2eres", logDir: mkdtempSync(join(tmpdir(), "kubedump-e2e-res-")), extraEnv: { WATCH_NAMESPACE: NS } },
  );
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
    await createConfig(t, NS, "minutely", {
      schedule: "* * * * *",
      target: { ref: { apiVersion: "v1", kind: "Namespace", name: NS } },
    });
    await createConfig(t, NS, "manual", {
      schedule: "0 0 1 1 *",
      target: { ref: { apiVersion: "v1", kind: "Namespace", name: NS } },
    });
    const first = await waitFor(
      "a first scheduled session",
      async () => (await sessionsOf(t, NS, "minutely"))[0],
      150_000,
    );
    await waitForSession(t, NS, first.metadata.name);
    // Redis goes away with everything in it (no persistence), and comes back empty on the same port.
    await redis.process.stop();
    await createSession(t, NS, "manual-during-outage", "manual");
    await new Promise((r) => setTimeout(r, 3000));
    redis = await startRedis(redisDir, { port: redis.port });
    const done = await waitForSession(t, NS, "manual-during-outage", 120_000);
    expect(done.status.phase).toBe("Succeeded");
    const restartedAt = Date.now();
    const later = await waitFor(
      "a scheduled session after the restart",
      async () =>
        (await sessionsOf(t, NS, "minutely")).find(
          (s) => Number(s.metadata.name.split("-").pop()) * 1000 > restartedAt,
        ),
      150_000,
    );
    expect((await waitForSession(t, NS, later.metadata.name)).status.phase).toBe("Succeeded");
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
    await createSession(t, NS, "manual-after-handover", "manual");
    expect((await waitForSession(t, NS, "manual-after-handover")).status.phase).toBe("Succeeded");
  });
});
