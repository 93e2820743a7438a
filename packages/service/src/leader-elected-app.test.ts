import { createKubeClient } from "@kubedump/kube";
import { kubeHttp } from "@kubedump/testenv";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLeaderElectedApp, type LeaderElectedConfig } from "./leader-elected-app.js";
import { createLogger } from "./logger.js";

const t = inject("testenv");
const NS = "service-leader";
const RUN = Date.now().toString(36);
const started: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  const res = await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: NS } } });
  expect([201, 409]).toContain(res.status);
});
afterAll(async () => {
  await Promise.all(started.map((a) => a.close()));
});

/** One replica of a leader-elected service, with a real API client, a real Redis and a record of what it did. */
function replica(identity: string, lease: string, config: Partial<LeaderElectedConfig> = {}) {
  const events: string[] = [];
  let synced = false;
  const redis = new Redis(t.redisUrl);
  const app = createLeaderElectedApp({
    name: "leader-test",
    config: {
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: 0,
      LEADER_ELECTION: "true",
      LEASE_NAMESPACE: NS,
      LEASE_NAME: lease,
      LEASE_DURATION_SECONDS: 2,
      identity,
      ...config,
    },
    log: createLogger("leader-test", "silent"),
    client: createKubeClient({ kubeconfig: t.kubeconfig }),
    redis,
    lead: async () => {
      events.push("lead");
      return async () => void events.push("stop leading");
    },
    queues: [["queues", () => void events.push("queues closed")]],
    ready: () => synced,
  });
  started.push(app);
  const status = async (path: string) => (await fetch(`http://127.0.0.1:${app.httpPort}${path}`)).status;
  const sync = () => {
    synced = true;
  };
  return { identity, app, events, status, sync, redis };
}

const holder = async (lease: string) =>
  (await kubeHttp(t, `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${lease}`)).body?.spec?.holderIdentity;

describe("createLeaderElectedApp", () => {
  it("lets one of two replicas lead over a real Lease, ready once its work is, and hands over when it closes", async () => {
    const lease = `two-replicas-${RUN}`;
    const a = replica("replica-a", lease);
    const b = replica("replica-b", lease);
    await Promise.all([a.app.start(), b.app.start()]);
    await expect.poll(() => [a, b].filter((r) => r.app.isLeader()).length, { timeout: 10_000 }).toBe(1);
    const [leader, follower] = a.app.isLeader() ? [a, b] : [b, a];
    expect(await holder(lease)).toBe(leader.identity);
    expect(leader.events).toEqual(["lead"]);
    expect(follower.events).toEqual([]);

    // A follower is ready once Redis is; the leader also waits for its own work (informers synced).
    await expect.poll(() => [a.redis.status, b.redis.status], { timeout: 10_000 }).toEqual(["ready", "ready"]);
    expect(await follower.status("/readyz")).toBe(200);
    expect(await leader.status("/readyz")).toBe(503);
    leader.sync();
    expect(await leader.status("/readyz")).toBe(200);
    expect(await leader.status("/healthz")).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${leader.app.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/^process_cpu_user_seconds_total\{service="leader-test"\} /m);

    const port = leader.app.httpPort;
    await Promise.all([leader.app.close(), leader.app.close()]);
    expect(leader.events).toEqual(["lead", "stop leading", "queues closed"]);
    expect(leader.app.isLeader()).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    // The Lease was released, so the follower takes over well before it would have expired.
    await expect.poll(() => follower.app.isLeader(), { timeout: 1_500 }).toBe(true);
    expect(follower.events).toEqual(["lead"]);
    expect(await holder(lease)).toBe(follower.identity);
    await follower.app.close();
    expect(follower.events).toEqual(["lead", "stop leading", "queues closed"]);
  });

  it("leads at once, without a Lease, when LEADER_ELECTION is false", async () => {
    const lease = `no-election-${RUN}`;
    const only = replica("the-only-one", lease, { LEADER_ELECTION: "false" });
    await only.app.start();
    expect(only.app.isLeader()).toBe(true);
    expect(only.events).toEqual(["lead"]);
    expect((await kubeHttp(t, `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${lease}`)).status).toBe(404);
    await only.app.close();
    expect(only.events).toEqual(["lead", "stop leading", "queues closed"]);
  });
});
