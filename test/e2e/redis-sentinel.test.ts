import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RedisSentinelSet, startRedisSentinel } from "@kubedump/testenv";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { logEntries, seedConfigMaps, sleep } from "./faults-net-env.js";
import { FINISHED, type Obj, type Stack, startStack, waitFor } from "./harness.js";
import { slotOf, testNamespace } from "./test-namespace.js";

// The four services on Redis Sentinel (Debian's redis-server: a master, a replica, three sentinels on
// 127.0.0.1, every one with a password), three configurations backing up every minute; the master
// is SIGKILLed while the backups of a slot run. The services must follow the failover on their own.

const t = inject("testenv");
const e2e = testNamespace(t, "e2e-sentinel");
const DATA = "e2e-sentinel-data";
const CONFIGS = ["alpha", "beta", "gamma"];
const MINUTE = 60_000;
const dir = mkdtempSync(join(tmpdir(), "kubedump-e2e-sentinel-"));
let set: RedisSentinelSet;
let stack: Stack;

beforeAll(async () => {
  set = await startRedisSentinel(dir);
  await set.settled();
  await e2e.setup();
  // Large enough that a backup runs for a moment: the kill lands while some are Running.
  await seedConfigMaps(t, DATA, 300, 4000);
  const target = { ref: { apiVersion: "v1", kind: "Namespace", name: DATA } };
  for (const name of CONFIGS) await e2e.createConfig(name, { schedule: "* * * * *", target, backupHistoryLimit: 20 });
  stack = await startStack(e2e, {
    workers: 2,
    extraEnv: {
      REDIS_URL: "", // empty is unset: Sentinel instead
      REDIS_SENTINELS: set.sentinelsEnv,
      REDIS_SENTINEL_MASTER: set.masterName,
      REDIS_PASSWORD: set.password,
      REDIS_SENTINEL_PASSWORD: set.sentinelPassword,
    },
  });
}, 300_000);
afterAll(async () => {
  await stack?.stop();
  await set?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sessionsOf = async (config: string) => (await e2e.sessionsOf(config)).filter((s) => slotOf(s.metadata.name));

/** Resolves once every configuration has a session of `slot`, and returns them. */
const sessionsOfSlot = (slot: number, timeoutMs = 150_000) =>
  waitFor(
    `a session of every configuration for ${new Date(slot).toISOString()}`,
    async () => {
      const all = await Promise.all(
        CONFIGS.map(async (c) => (await sessionsOf(c)).find((s) => slotOf(s.metadata.name) === slot)),
      );
      return all.every(Boolean) ? (all as Obj[]) : undefined;
    },
    timeoutMs,
    200,
  );

/** Every log line of the dump workers that names a session of the test. */
const workerLines = () =>
  stack.processes
    .filter((p) => p.name.startsWith("dump-worker"))
    .flatMap((p) => readFileSync(p.logFile, "utf8").split("\n"))
    .filter((l) => l.includes('"session":"'))
    .map((l) => JSON.parse(l) as Obj);

it("the master killed while scheduled backups run: the services follow the failover, no slot, session or job is lost", {
  timeout: 600_000,
}, async () => {
  const [first, replica] = set.nodes as [RedisSentinelSet["nodes"][0], RedisSentinelSet["nodes"][0]];
  const firstSessions = await Promise.all(CONFIGS.map((c) => e2e.waitForScheduled(c)));
  const firstSlot = Math.max(...firstSessions.map((s) => slotOf(s.metadata.name)));
  const killSlot = firstSlot + MINUTE;
  const lastSlot = killSlot + MINUTE;

  // The kill: once a backup of the kill slot is Running.
  await sleep(killSlot - Date.now());
  const running = await waitFor(
    "a backup of the kill slot Running",
    async () => (await sessionsOfSlot(killSlot, 30_000)).find((s) => s.status?.phase === "Running"),
    30_000,
    50,
  );
  process.kill(first.process.pid, "SIGKILL");
  const killedAt = Date.now();
  const phasesAtKill = (await sessionsOfSlot(killSlot)).map((s) => s.status?.phase ?? "Pending");
  await waitFor("the sentinels to promote the replica", async () =>
    (await set.masterPort().catch(() => 0)) === replica.port ? true : undefined,
  );
  const failoverMs = Date.now() - killedAt;

  // The window: three slots of every configuration, each finished.
  await sessionsOfSlot(lastSlot);
  const sessions = await waitFor(
    "every session of the window finished",
    async () => {
      const all = (await Promise.all(CONFIGS.map(sessionsOf))).flat();
      return all.every((s) => FINISHED.includes(s.status?.phase)) ? all : undefined;
    },
    180_000,
  );
  const expected = CONFIGS.flatMap((c) => [firstSlot, killSlot, lastSlot].map((slot) => `${c}-${slot / 1000}`));
  const names = sessions.map((s) => s.metadata.name);
  for (const name of expected)
    expect(
      names.filter((n) => n === name),
      name,
    ).toHaveLength(1);
  const inWindow = sessions.filter((s) => slotOf(s.metadata.name) >= firstSlot && slotOf(s.metadata.name) <= lastSlot);
  expect(inWindow.map((s) => `${s.metadata.name} ${s.status.phase}`).sort()).toEqual(
    expected.map((n) => `${n} Succeeded`).sort(),
  );

  // Every job ran once: one commit per session, one snapshot per session at the id its status names,
  // and no attempt but the first.
  const lines = workerLines();
  const repository = await e2e.repository();
  const snapshots = await repository.listSnapshots();
  for (const s of inWindow) {
    const name = s.metadata.name;
    const commits = lines.filter((l) => l.session === name && l.msg === "snapshot committed");
    expect(commits, `${name} commits`).toHaveLength(1);
    expect(
      snapshots.filter((m) => m.source.name === name).map((m) => m.id),
      `${name} snapshots`,
    ).toEqual([s.status.snapshot.id]);
    expect(
      lines.filter((l) => l.session === name && l.attempt !== undefined && l.attempt !== 1).map((l) => l.msg),
      `${name} retries`,
    ).toEqual([]);
  }

  // The schedules go on: the scheduler's next sync (every 5 s) finds each next slot's job on the new master.
  for (const c of CONFIGS)
    await waitFor(
      `${c}'s nextScheduleTime after the window`,
      async () => {
        const next = (await e2e.get("backupconfigurations", c))?.status?.nextScheduleTime;
        return Date.parse(next) > lastSlot ? next : undefined;
      },
      30_000,
    );
  // No service died or restarted, and no password reached a log.
  for (const p of stack.processes) {
    expect(p.child.exitCode, p.name).toBeNull();
    const log = readFileSync(p.logFile, "utf8");
    expect(log.includes(set.password) || log.includes(set.sentinelPassword), `${p.name} log`).toBe(false);
  }
  const gateway = stack.processes.find((p) => p.name === "metrics-gateway")!;
  expect(logEntries(gateway, "metrics gateway listening")[0]?.redisHost).toBe(
    `sentinels ${set.sentinelsEnv} master ${set.masterName}`,
  );
  // What the services logged as errors while there was no master (for docs/reliability.md).
  const errorLines = stack.processes.flatMap((p) =>
    readFileSync(p.logFile, "utf8")
      .split("\n")
      .filter((l) => /"level":(50|60)/.test(l))
      .map((l) => JSON.parse(l) as Obj)
      .map((l) => `${p.name.replace(/-\d+$/, "")}: ${l.msg} (${String(l.err?.message).replace(/\d+/g, "N")})`),
  );
  const tally = new Map<string, number>();
  for (const l of errorLines) tally.set(l, (tally.get(l) ?? 0) + 1);
  const counts = [...tally].map(([l, n]) => `${n}× ${l}`);
  console.log(
    `redis-sentinel: errors logged: ${counts.join("; ")}; killed the master ${killedAt - killSlot} ms after slot ${new Date(killSlot).toISOString()} ` +
      `(${running.metadata.name} Running; phases ${phasesAtKill.join(", ")}); replica promoted after ${failoverMs} ms; ` +
      `${inWindow.length} sessions, ${inWindow.length} snapshots`,
  );
});
