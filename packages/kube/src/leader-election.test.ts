import { setTimeout as sleep } from "node:timers/promises";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKubeClient, KubeClient } from "./client.js";
import { LeaderElectionError } from "./errors.js";
import { loadConnection } from "./kubeconfig.js";
import {
  createLeaderElector,
  type LeaderElector,
  type LeaderElectorOptions,
  type LeaseSpec,
} from "./leader-election.js";
import { ensureNamespace, startTcpProxy, waitFor } from "./test-support.js";

const env = inject("testenv");
const client = createKubeClient({ kubeconfig: env.kubeconfig });
const NS = "kube-le";
const FAST = { leaseDurationMs: 2000, renewDeadlineMs: 1000, retryPeriodMs: 200 };

beforeAll(() => ensureNamespace(env, NS));
afterAll(() => client.close());

interface Candidate {
  id: string;
  elector: LeaderElector;
  /** `started` / `stopped` with the time they happened. */
  events: { what: string; at: number }[];
  errors: Error[];
  signals: AbortSignal[];
}

function candidate(lease: string, id: string, extra: Partial<LeaderElectorOptions> = {}): Candidate {
  const c: Candidate = { id, events: [], errors: [], signals: [], elector: undefined as unknown as LeaderElector };
  c.elector = createLeaderElector({
    client,
    namespace: NS,
    name: lease,
    identity: id,
    ...FAST,
    onStartedLeading: (signal) => {
      c.events.push({ what: "started", at: Date.now() });
      c.signals.push(signal);
    },
    onStoppedLeading: () => void c.events.push({ what: "stopped", at: Date.now() }),
    onError: (err) => void c.errors.push(err),
    ...extra,
  });
  return c;
}

async function leaseSpec(name: string): Promise<LeaseSpec> {
  const res = await kubeHttp(env, `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${name}`);
  return res.body.spec;
}

const whats = (c: Candidate) => c.events.map((e) => e.what);

describe("leader election on a Lease", () => {
  it("lets only one of two lead, and a released lease passes to the other at once", async () => {
    const [a, b] = [candidate("one-leader", "a"), candidate("one-leader", "b")];
    a.elector.start();
    b.elector.start();
    await waitFor("a leader", () => a.elector.isLeader() || b.elector.isLeader());
    for (let i = 0; i < 15; i++) {
      expect([a, b].filter((c) => c.elector.isLeader())).toHaveLength(1);
      await sleep(100);
    }
    const [leader, other] = a.elector.isLeader() ? [a, b] : [b, a];
    expect((await leaseSpec("one-leader")).holderIdentity).toBe(leader.id);
    expect(other.elector.leader()).toBe(leader.id);
    expect(whats(other)).toEqual([]);

    const t0 = Date.now();
    await leader.elector.stop();
    expect(leader.elector.isLeader()).toBe(false);
    expect(whats(leader)).toEqual(["started", "stopped"]);
    expect(leader.signals[0]?.aborted).toBe(true);
    await waitFor("the other to lead", () => other.elector.isLeader(), 5000);
    expect(Date.now() - t0).toBeLessThan(1000); // far sooner than the 2 s lease: it was released
    const spec = await leaseSpec("one-leader");
    expect(spec.holderIdentity).toBe(other.id);
    expect(spec.leaseTransitions).toBe(1); // created by the first leader, then passed on once

    await other.elector.stop();
    await other.elector.stop();
    await leader.elector.stop();
    expect((await leaseSpec("one-leader")).holderIdentity ?? "").toBe("");
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it("hands over after the lease duration when the leader dies without releasing", async () => {
    const a = candidate("no-release", "a", { releaseOnStop: false });
    a.elector.start();
    await waitFor("a to lead", () => a.elector.isLeader());
    const b = candidate("no-release", "b");
    b.elector.start();
    await sleep(600);
    expect(b.elector.isLeader()).toBe(false);

    const t0 = Date.now();
    await a.elector.stop(); // its timers end; the lease keeps a's name until it expires
    expect((await leaseSpec("no-release")).holderIdentity).toBe("a");
    await waitFor("b to lead", () => b.elector.isLeader(), 6000);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1500); // lease 2 s after a's last renewal (≤ 200 ms before t0)
    expect(took).toBeLessThan(3500);
    expect((await leaseSpec("no-release")).holderIdentity).toBe("b");
    await b.elector.stop();
  });

  it("steps down when it cannot renew within renewDeadline, before another can take over", async () => {
    const proxy = await startTcpProxy(env.kubeApiUrl);
    const cut = new KubeClient(
      { ...loadConnection({ kubeconfig: env.kubeconfig }), server: proxy.url },
      { maxRetries: 0 },
    );
    const a = candidate("deadline", "a", { client: cut });
    a.elector.start();
    await waitFor("a to lead", () => a.elector.isLeader());
    const b = candidate("deadline", "b");
    b.elector.start();
    await sleep(500);

    const t0 = Date.now();
    proxy.cut({ stayDown: true });
    await waitFor("a to step down", () => !a.elector.isLeader(), 5000);
    const steppedDown = a.events.find((e) => e.what === "stopped")?.at ?? Number.NaN;
    expect(steppedDown - t0).toBeLessThan(1800); // ≤ retryPeriod + renewDeadline after its last renewal
    expect(a.signals[0]?.aborted).toBe(true);
    await waitFor("b to lead", () => b.elector.isLeader(), 6000);
    const bStarted = b.events.find((e) => e.what === "started")?.at ?? Number.NaN;
    expect(bStarted).toBeGreaterThan(steppedDown); // never two leaders at once
    expect(a.errors.length).toBeGreaterThan(0);
    expect(a.errors.every((e) => e instanceof LeaderElectionError)).toBe(true);

    await Promise.all([a.elector.stop(), b.elector.stop()]);
    cut.close();
    await proxy.close();
  });

  it("refuses durations that cannot work", () => {
    expect(() => candidate("bad", "x", { leaseDurationMs: 1000, renewDeadlineMs: 1000 })).toThrow(LeaderElectionError);
  });
});
