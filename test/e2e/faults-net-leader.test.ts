import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type FaultProxies, logEntries, sleep, startFaultProxies, untilSecond } from "./faults-net-env.js";
import { type ServiceProcess, type Stack, startStack, waitFor } from "./harness.js";
import { slotOf, testNamespace } from "./test-namespace.js";

// Item 6 of the fault suite: two replicas each of the watcher and the scheduler, every replica
// reaching the API server through its own Toxiproxy proxy. The leaders' proxies are disabled for
// 30 s across a schedule slot (a partition: Redis stays reachable), with a 4 s Lease.

const t = inject("testenv");
const e2e = testNamespace(t, "fn-lead");
const PARTITION_MS = 30_000;
let proxies: FaultProxies;
let stack: Stack;
const replicas: Record<string, ServiceProcess> = {};

beforeAll(async () => {
  await e2e.setup();
  proxies = await startFaultProxies(t);
  stack = await startStack(e2e, { skip: ["watcher", "scheduler"] });
  // The a replicas start first and lead; the b replicas wait behind them.
  for (const replica of ["a", "b"])
    for (const service of ["watcher", "scheduler"] as const) {
      const api = await proxies.api(`api-${service}-${replica}`);
      const label = `${service}-${replica}`;
      replicas[label] = stack.start(service, label, { KUBECONFIG: api.kubeconfig });
      if (replica === "a")
        await waitFor(`${label} to lead`, async () => (leadTimes(label).started.length ? true : undefined), 30_000);
    }
  await e2e.createConfig("minutely", {
    schedule: "* * * * *",
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: e2e.ns } },
  });
  await e2e.createConfig("manual", {
    schedule: "0 0 1 1 *",
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: e2e.ns } },
  });
}, 300_000);
afterAll(async () => {
  await stack?.stop();
  await proxies?.stop();
});

/** When a replica started and stopped leading, from its log. */
function leadTimes(label: string): { started: number[]; stopped: number[] } {
  const p = replicas[label]!;
  const times = (msg: string) => logEntries(p, msg).map((l) => Number(l.time));
  return { started: times("started leading"), stopped: times("stopped leading") };
}

const holderOf = async (service: string) =>
  (await kubeHttp(t, `/apis/coordination.k8s.io/v1/namespaces/kubedump-system/leases/${e2e.ns}-${service}`)).body.spec
    ?.holderIdentity as string | undefined;

describe("faults: the leaders partitioned from the API server", () => {
  it("the Leases move to the other replicas, no two leaders act at once, and every slot and session is handled once", {
    timeout: 600_000,
  }, async () => {
    const first = await e2e.waitForScheduled("minutely");
    expect((await e2e.waitForSession(first.metadata.name)).status.phase).toBe("Succeeded");
    await untilSecond(40);
    const cutAt = Date.now();
    await Promise.all(["watcher", "scheduler"].map((s) => proxies.toxiproxy.client.setEnabled(`api-${s}-a`, false)));
    for (const service of ["watcher", "scheduler"])
      await waitFor(
        `${service}-b to lead`,
        async () => (leadTimes(`${service}-b`).started.length ? true : undefined),
        30_000,
        200,
      );
    await sleep(5000);
    await e2e.createSession("manual-in-partition", "manual");
    await sleep(cutAt + PARTITION_MS - Date.now());
    await Promise.all(["watcher", "scheduler"].map((s) => proxies.toxiproxy.client.setEnabled(`api-${s}-a`, true)));
    const healedAt = Date.now();

    for (const service of ["watcher", "scheduler"]) {
      const a = leadTimes(`${service}-a`);
      const b = leadTimes(`${service}-b`);
      console.info(
        `${service}: a stopped ${a.stopped[0]! - cutAt} ms after the cut, b started ${b.started[0]! - cutAt} ms after it`,
      );
      // The old leader stopped its work before the new one started: never two at once.
      expect(a.started).toHaveLength(1);
      expect(a.stopped).toHaveLength(1);
      expect(a.stopped[0]!).toBeLessThan(b.started[0]!);
      expect(b.started[0]! - cutAt).toBeLessThan(10_000);
      expect(await holderOf(service)).toBe(`${e2e.ns}-${service}-b`);
    }
    expect((await e2e.waitForSession("manual-in-partition")).status.phase).toBe("Succeeded");
    const slotInPartition = Math.ceil(cutAt / 60_000) * 60_000;
    const later = await e2e.waitForScheduled("minutely", healedAt);
    expect((await e2e.waitForSession(later.metadata.name)).status.phase).toBe("Succeeded");

    // Healed, the old leaders stay followers.
    for (const service of ["watcher", "scheduler"]) {
      expect(leadTimes(`${service}-a`).started).toHaveLength(1);
      expect(await holderOf(service)).toBe(`${e2e.ns}-${service}-b`);
    }
    // One session per slot, the one inside the partition among them, each backed up by one job.
    const sessions = await e2e.sessionsOf("minutely");
    const slots = sessions.map((s) => slotOf(s.metadata.name));
    expect(slots).toContain(slotInPartition);
    expect(slots.slice(1).map((s, i) => s - slots[i]!)).toEqual(Array(slots.length - 1).fill(60_000));
    const finished = await Promise.all(sessions.map((s) => e2e.waitForSession(s.metadata.name)));
    expect(finished.map((s) => s.status.phase)).toEqual(Array(sessions.length).fill("Succeeded"));
    const commits = logEntries(stack.processes.find((p) => p.name === "dump-worker-0")!, "snapshot committed");
    for (const name of [...sessions.map((s) => s.metadata.name), "manual-in-partition"])
      expect(
        commits.filter((l) => l.session === name),
        name,
      ).toHaveLength(1);
    const snapshots = await (await e2e.repository()).listSnapshots();
    expect(snapshots.map((m) => m.source.name).sort()).toEqual(
      [...sessions.map((s) => s.metadata.name), "manual-in-partition"].sort(),
    );
  });
});
