import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ChartRedis, startChartRedis } from "./chart-redis.js";
import {
  createRepositoryAt,
  type FaultProxies,
  logEntries,
  readiness,
  seedConfigMaps,
  sleep,
  startFaultProxies,
  untilSecond,
} from "./faults-net-env.js";
import { type Stack, startStack, stopService, waitFor } from "./harness.js";
import { slotOf, testNamespace } from "./test-namespace.js";

// Redis as the chart runs it (its rendered redis.conf: AOF, everysec), reached by the services
// through a Toxiproxy proxy: crashed and restarted on its files, then cut off for 30 s.

const t = inject("testenv");
const e2e = testNamespace(t, "e2e-res");
const DATA = "e2e-res-data";
let stack: Stack;
let redis: ChartRedis;
let proxies: FaultProxies;
const redisDir = mkdtempSync(join(tmpdir(), "kubedump-e2e-redis-"));

beforeAll(async () => {
  await e2e.setup();
  redis = await startChartRedis(redisDir);
  proxies = await startFaultProxies(t);
  const viaProxy = await proxies.redis("redis", redis.port, redis.password);
  // A repository whose uploads crawl (a bandwidth toxic): its backup can be made to end inside the outage.
  const slowMinio = await proxies.minio("minio-slow");
  await proxies.toxiproxy.client.addToxic(
    slowMinio.name,
    { type: "bandwidth", attributes: { rate: 24 } },
    {
      stream: "upstream",
    },
  );
  await createRepositoryAt(t, e2e.ns, "slow-repo", slowMinio.endpoint, e2e.prefix);
  await seedConfigMaps(t, DATA, 100, 10_000);
  const own = { ref: { apiVersion: "v1", kind: "Namespace", name: e2e.ns } };
  await e2e.createConfig("minutely", { schedule: "* * * * *", target: own });
  await e2e.createConfig("manual", { schedule: "0 0 1 1 *", target: own });
  await e2e.createConfig("slow", {
    schedule: "0 0 1 1 *",
    repository: { name: "slow-repo" },
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: DATA } },
  });
  stack = await startStack(e2e, { redisUrl: viaProxy.url });
}, 300_000);
afterAll(async () => {
  await stack?.stop();
  await redis?.process.stop();
  await proxies?.stop();
  rmSync(redisDir, { recursive: true, force: true });
});

const leaders = () =>
  stack.processes.filter(
    (p) => p.name.startsWith("watcher") && readFileSync(p.logFile, "utf8").includes('"started leading"'),
  );

/** A metric of configuration `config` as the gateway serves it now; undefined when it has none. */
async function gatewayValue(metric: string, config: string): Promise<number | undefined> {
  const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${metric}{`) && l.includes(`invoker_name="${config}"`));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : undefined;
}

/** Every minute slot of the configuration's sessions from its first to its last, each once. */
async function expectEverySlot(config: string): Promise<number[]> {
  const slots = (await e2e.sessionsOf(config)).map((s) => slotOf(s.metadata.name)).sort((a, b) => a - b);
  expect(slots.length).toBeGreaterThanOrEqual(2);
  expect(slots.slice(1).map((s, i) => s - slots[i]!)).toEqual(Array(slots.length - 1).fill(60_000));
  return slots;
}

describe("resilience", () => {
  it("Redis crashed (SIGKILL) and restarted on its AOF: no schedule, session or pushed metric is lost", {
    timeout: 600_000,
  }, async () => {
    const first = await e2e.waitForScheduled("minutely");
    expect((await e2e.waitForSession(first.metadata.name)).status.phase).toBe("Succeeded");
    const pushed = await waitFor(
      "minutely's metrics on the gateway",
      () => gatewayValue("kubedump_backup_last_success_time_seconds", "minutely"),
      30_000,
    );
    const restarting = redis.crashAndRestart(3000);
    await sleep(500);
    await e2e.createSession("manual-during-crash", "manual");
    await restarting;
    const restartedAt = Date.now();
    // Nothing pushed it again since: the gateway reads it back from what Redis loaded from its AOF.
    const after = await waitFor("the gateway to read Redis again", async () =>
      (await readiness(stack.processes[0]!, stack.gatewayUrl)) === 200
        ? gatewayValue("kubedump_backup_last_success_time_seconds", "minutely")
        : undefined,
    );
    expect(after).toBe(pushed);
    expect((await e2e.waitForSession("manual-during-crash")).status.phase).toBe("Succeeded");
    const later = await e2e.waitForScheduled("minutely", restartedAt);
    expect((await e2e.waitForSession(later.metadata.name)).status.phase).toBe("Succeeded");
    await expectEverySlot("minutely");
  });

  it("Redis cut off for 30 s across a schedule slot: every service not ready, then back; no slot, session or metric lost", {
    timeout: 600_000,
  }, async () => {
    await untilSecond(15);
    await e2e.createSession("slow-now", "slow");
    await e2e.waitForPhase("backupsessions", "slow-now", "Running", 30_000); // its job left Redis before the cut
    await untilSecond(45);
    const cutAt = Date.now();
    const outage = proxies.outage("redis", 30_000);
    const notReady = new Set<string>();
    const polling = (async () => {
      while (Date.now() < cutAt + 28_000) {
        for (const p of stack.processes.filter((x) => x.child.exitCode === null))
          if ((await readiness(p, stack.gatewayUrl)) === 503) notReady.add(p.name);
        await sleep(1000);
      }
    })();
    await sleep(5000);
    await e2e.createSession("manual-in-outage", "manual");
    await Promise.all([outage, polling]);
    const backAt = Date.now();
    expect([...notReady].sort()).toEqual(["dump-worker-0", "metrics-gateway", "scheduler", "watcher"]);
    for (const p of stack.processes)
      await waitFor(
        `${p.name} ready again`,
        async () => ((await readiness(p, stack.gatewayUrl)) === 200 ? true : undefined),
        60_000,
      );

    expect((await e2e.waitForSession("manual-in-outage")).status.phase).toBe("Succeeded");
    expect((await e2e.waitForSession("slow-now", 180_000)).status.phase).toBe("Succeeded");
    const worker = stack.processes.find((p) => p.name === "dump-worker-0")!;
    const commits = logEntries(worker, "snapshot committed").filter((l) => l.session === "slow-now");
    expect(commits).toHaveLength(1);
    // It ended inside the outage, so its metrics reached a gateway that answered 503 until Redis came back.
    expect(Number(commits[0]!.time)).toBeGreaterThan(cutAt);
    expect(Number(commits[0]!.time)).toBeLessThan(backAt);
    const success = await waitFor("slow's metrics on the gateway", () =>
      gatewayValue("kubedump_backup_session_success", "slow"),
    );
    expect(success).toBe(1);
    // The slot inside the outage got its session once Redis was back, like every other.
    const slotInOutage = Math.ceil(cutAt / 60_000) * 60_000;
    const inOutage = await waitFor("the session of the slot inside the outage", async () =>
      (await e2e.sessionsOf("minutely")).find((s) => slotOf(s.metadata.name) === slotInOutage),
    );
    expect((await e2e.waitForSession(inOutage.metadata.name)).status.phase).toBe("Succeeded");
    expect(await expectEverySlot("minutely")).toContain(slotInOutage);
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
