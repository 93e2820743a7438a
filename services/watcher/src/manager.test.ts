// The controller machinery against the real API server: a test controller on Repository objects,
// with the work queues on a manual clock, so that retry and requeue delays are the test's to end.
import { createKubeClient, type KubeObject } from "@kubedump/kube";
import { createRedis } from "@kubedump/queue";
import { createLogger } from "@kubedump/service";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { crUrl, installCrds, waitFor } from "../../../test/e2e/harness.js";
import { type Controller, done, type ReconcileResult, requeueAfter } from "./controller.js";
import { type ControllerManager, startControllers } from "./manager.js";
import { createQueueRegistry } from "./queues.js";
import { manualClock } from "./test-support.js";

const t = inject("testenv");
const NS = "watcher-manager";
const client = createKubeClient({ kubeconfig: t.kubeconfig });
const redis = createRedis(t.redisUrl);
const queues = createQueueRegistry({ connection: redis, prefix: "watcher-manager" });
const clock = manualClock();

type Step = "done" | "error" | number; // a number: requeue after that many ms
/** What the test controller answers, per object name, one step per reconcile; then done. */
const scripts = new Map<string, Step[]>();
/** Every reconcile: object name and the generation it saw. */
const calls: { name: string; generation: unknown }[] = [];
const inFlight = new Map<string, number>();
let maxInFlight = 0;
const gates = new Map<string, Promise<void>>();

const testController = (): Controller => ({
  kind: "Repository",
  async reconcile(key, obj): Promise<ReconcileResult> {
    calls.push({ name: key.name, generation: obj?.metadata.generation });
    inFlight.set(key.name, (inFlight.get(key.name) ?? 0) + 1);
    maxInFlight = Math.max(maxInFlight, ...inFlight.values());
    try {
      await gates.get(key.name);
      const step = scripts.get(key.name)?.shift() ?? "done";
      if (step === "error") throw new Error(`${key.name} failed on purpose`);
      return step === "done" ? done() : requeueAfter(step);
    } finally {
      inFlight.set(key.name, (inFlight.get(key.name) ?? 1) - 1);
    }
  },
});

const reconciles = (name: string) => calls.filter((c) => c.name === name);
const waitCalls = (name: string, n: number) =>
  waitFor(`${n} reconciles of ${name}`, async () => (reconciles(name).length >= n ? true : undefined), 20_000, 20);
/** Time for a wrong extra reconcile to show up, were there one. */
const settle = () => new Promise((r) => setTimeout(r, 500));

async function createRepository(name: string): Promise<KubeObject> {
  const res = await kubeHttp(t, crUrl("repositories", NS), {
    body: {
      apiVersion: "kubedump.io/v1alpha1",
      kind: "Repository",
      metadata: { name },
      spec: { backend: { local: { path: "/backups" } } },
    },
  });
  if (res.status !== 201) throw new Error(`creating Repository ${NS}/${name}: ${res.status} ${res.text}`);
  return res.body;
}

const patchPath = (name: string, path: string) =>
  kubeHttp(t, crUrl("repositories", NS, name), {
    method: "PATCH",
    body: { spec: { backend: { local: { path } } } },
    contentType: "application/merge-patch+json",
  });

let manager: ControllerManager;

beforeAll(async () => {
  await installCrds(t);
  await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: NS } } });
  manager = startControllers(
    { client, log: createLogger("manager-test", "silent"), queues, probeRepository: async () => {} },
    { namespace: NS, resyncMs: 0, workers: 4, clock },
    [testController],
  );
  await manager.synced;
});

afterAll(async () => {
  await manager.stop();
  await manager.stop();
  await queues.close();
  redis.disconnect();
  client.close();
});

describe("a controller's outcomes", () => {
  it.each([
    { row: "done: reconciled once", name: "done-once", script: ["done"], delays: [], total: 1 },
    {
      row: "requeue after 30 s: reconciled again then",
      name: "requeue",
      script: [30_000, "done"],
      delays: [30_000],
      total: 2,
    },
    {
      row: "error, error, done: retried after 1 s and 2 s, then done",
      name: "flaky",
      script: ["error", "error", "done"],
      delays: [1_000, 2_000],
      total: 3,
    },
  ] as const)("$row", async ({ name, script, delays, total }) => {
    scripts.set(name, [...script]);
    const before = clock.sleeps.length;
    await createRepository(name);
    for (let i = 1; i <= total; i++) {
      await waitCalls(name, i);
      await settle();
      expect(reconciles(name)).toHaveLength(i); // not again before its delay is over
      const delay = delays[i - 1];
      if (delay === undefined) continue;
      expect(clock.sleeps.slice(before)).toEqual(delays.slice(0, i));
      await clock.advance(delay - 1);
      expect(reconciles(name)).toHaveLength(i);
      await clock.advance(1);
    }
    await settle();
    expect(reconciles(name)).toHaveLength(total);
    expect(clock.pending()).toBe(0);
  });

  it("starts the backoff again at 1 s once a reconcile succeeded", async () => {
    scripts.set("reset", ["error", "error", "done", "error", "done"]);
    const before = clock.sleeps.length;
    await createRepository("reset");
    await waitCalls("reset", 1);
    await clock.advance(1_000);
    await waitCalls("reset", 2);
    await clock.advance(2_000);
    await waitCalls("reset", 3); // done: failures forgotten
    await patchPath("reset", "/elsewhere");
    await waitCalls("reset", 4); // fails again
    await settle();
    expect(clock.sleeps.slice(before)).toEqual([1_000, 2_000, 1_000]);
    await clock.advance(1_000);
    await waitCalls("reset", 5);
    expect(reconciles("reset").map((c) => c.generation)).toEqual([1, 1, 1, 2, 2]);
  });
});

describe("the work queue under real events", () => {
  it("reconciles an object changed three times during its reconcile once more, with its latest spec, never twice at once", async () => {
    let release!: () => void;
    gates.set("busy", new Promise<void>((r) => (release = r)));
    await createRepository("busy");
    await waitCalls("busy", 1);
    for (const path of ["/a", "/b", "/c"]) await patchPath("busy", path);
    const latest = (await kubeHttp(t, crUrl("repositories", NS, "busy"))).body;
    expect(latest.metadata.generation).toBe(4);
    await settle(); // the three updates reached the informer, and three idle workers had every chance to take the key
    expect(reconciles("busy")).toHaveLength(1);
    release();
    await waitCalls("busy", 2);
    await settle();
    expect(reconciles("busy").map((c) => c.generation)).toEqual([1, 4]);
    expect(maxInFlight).toBe(1);
  });

  it("reconciles a deleted object with undefined, and ignores a change of status alone", async () => {
    await createRepository("gone");
    await waitCalls("gone", 1);
    await kubeHttp(t, `${crUrl("repositories", NS, "gone")}/status`, {
      method: "PATCH",
      body: { status: { phase: "Ready" } },
      contentType: "application/merge-patch+json",
    });
    await settle();
    expect(reconciles("gone")).toHaveLength(1);
    await kubeHttp(t, crUrl("repositories", NS, "gone"), { method: "DELETE" });
    await waitCalls("gone", 2);
    expect(reconciles("gone")[1]?.generation).toBeUndefined();
  });
});
