import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createKubeClient, KubeClient } from "./client.js";
import { InformerStoppedError, KubeUnreachableError } from "./errors.js";
import { createInformer, type InformerOptions } from "./informer.js";
import { loadConnection } from "./kubeconfig.js";
import type { KubeObject } from "./resources.js";
import {
  admin,
  CONFIGMAPS,
  compactEtcd,
  EVENTS,
  ensureNamespace,
  eventBody,
  recordingClock,
  startTcpProxy,
  waitFor,
} from "./test-support.js";

const env = inject("testenv");
const client = createKubeClient({ kubeconfig: env.kubeconfig });
afterAll(() => client.close());

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}
interface Event extends KubeObject {
  message?: string;
}

/** Handlers that write what happened as `add x`, `update x <detail>`, `delete x`. */
function recorder<T extends KubeObject>(detail: (o: T) => string): { log: string[] } & Partial<InformerOptions<T>> {
  const log: string[] = [];
  return {
    log,
    onAdd: (o) => void log.push(`add ${o.metadata.name}`),
    onUpdate: (a, b) => void log.push(`update ${b.metadata.name} ${detail(a)}->${detail(b)}`),
    onDelete: (o) => void log.push(`delete ${o.metadata.name}`),
  };
}
const names = (objs: KubeObject[]) => objs.map((o) => o.metadata.name).sort();

describe("informer", () => {
  it("sees adds, updates and deletes in its namespace, resyncs, and nothing after stop()", async () => {
    const NS = "kube-inf-basic";
    const cms = `/api/v1/namespaces/${NS}/configmaps`;
    await ensureNamespace(env, NS);
    await ensureNamespace(env, "kube-inf-other");
    await admin(env, "POST", cms, { metadata: { name: "one" }, data: { v: "1" } });
    await admin(env, "POST", "/api/v1/namespaces/kube-inf-other/configmaps", { metadata: { name: "elsewhere" } });
    const rec = recorder<ConfigMap>((o) => o.data?.v ?? "");
    const resyncs: string[][] = [];
    const inf = createInformer<ConfigMap>({
      client,
      rt: CONFIGMAPS,
      namespace: NS,
      resyncMs: 200,
      ...rec,
      onResync: (all) => void resyncs.push(names(all)),
    });
    expect(inf.hasSynced()).toBe(false);
    inf.start();
    await inf.synced;
    expect(inf.hasSynced()).toBe(true);
    expect(rec.log).toEqual(["add one"]);

    await admin(env, "POST", cms, { metadata: { name: "two" }, data: { v: "1" } });
    await admin(env, "PATCH", `${cms}/one`, { data: { v: "2" } });
    await admin(env, "DELETE", `${cms}/two`);
    await waitFor("four changes", () => rec.log.length >= 4);
    expect(rec.log).toEqual(["add one", "add two", "update one 1->2", "delete two"]);
    expect(names(inf.list())).toEqual(["one"]);
    expect(inf.get("one", NS)?.data).toEqual({ v: "2" });
    await waitFor("a resync with the current objects", () => resyncs.some((r) => r.join() === "one"));

    await inf.stop();
    await inf.stop();
    const [changes, resynced] = [rec.log.length, resyncs.length];
    await admin(env, "POST", cms, { metadata: { name: "three" } });
    await admin(env, "PATCH", `${cms}/one`, { data: { v: "3" } });
    await sleep(1000);
    expect(rec.log).toHaveLength(changes);
    expect(resyncs).toHaveLength(resynced);
  });

  it("after a 410 Gone relists at once and emits only the difference", async () => {
    const NS = "kube-inf-gone";
    const evs = `/api/v1/namespaces/${NS}/events`;
    await ensureNamespace(env, NS);
    for (const name of ["a", "b", "c"]) await admin(env, "POST", evs, eventBody(NS, name, `${name}1`));
    let entered!: () => void;
    const inTrigger = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const rec = recorder<Event>((o) => o.message ?? "");
    const clock = recordingClock(5);
    const inf = createInformer<Event>({
      client,
      rt: EVENTS,
      namespace: NS,
      clock,
      watchTimeoutSeconds: 1,
      ...rec,
      onAdd: async (o) => {
        rec.log.push(`add ${o.metadata.name}`);
        if (o.metadata.name !== "trigger") return;
        entered();
        await gate; // a slow handler: meanwhile the server ends the watch (timeoutSeconds: 1)
      },
    });
    inf.start();
    await inf.synced;
    expect(rec.log.sort()).toEqual(["add a", "add b", "add c"]);

    await admin(env, "POST", evs, eventBody(NS, "trigger"));
    await inTrigger;
    await sleep(2500); // the watch that delivered "trigger" has ended; the next one starts from its resourceVersion
    await admin(env, "PATCH", `${evs}/a`, { message: "a2" });
    await admin(env, "PATCH", `${evs}/a`, { message: "a3" });
    await admin(env, "DELETE", `${evs}/b`);
    await admin(env, "POST", evs, eventBody(NS, "d", "d1"));
    await admin(env, "POST", evs, eventBody(NS, "e", "e1"));
    await admin(env, "DELETE", `${evs}/e`);
    await compactEtcd(env); // that resourceVersion is gone now: the next watch gets ERROR 410
    release();

    await waitFor(
      "the relisted cache",
      () => names(inf.list()).join() === "a,c,d,trigger" && inf.get("a", NS)?.message === "a3",
    );
    await sleep(300);
    // A watch would have shown two updates of a and the short life of e; a relist shows only the difference.
    expect(rec.log[3]).toBe("add trigger");
    expect(rec.log.slice(4).sort()).toEqual(["add d", "delete b", "update a a1->a3"]);
    expect(clock.sleeps).toEqual([]); // no backoff: a 410 means relist now
    await inf.stop();
  });

  it("restarts after dropped connections with backoff 1 s doubling to 30 s, reset by a successful relist", async () => {
    const NS = "kube-inf-drop";
    const evs = `/api/v1/namespaces/${NS}/events`;
    await ensureNamespace(env, NS);
    await admin(env, "POST", evs, eventBody(NS, "x"));
    const proxy = await startTcpProxy(env.kubeApiUrl);
    const proxied = new KubeClient(
      { ...loadConnection({ kubeconfig: env.kubeconfig }), server: proxy.url },
      { maxRetries: 0 },
    );
    const clock = recordingClock(5);
    const errors: Error[] = [];
    const rec = recorder<Event>(() => "");
    const inf = createInformer<Event>({
      client: proxied,
      rt: EVENTS,
      namespace: NS,
      clock,
      ...rec,
      onError: (e) => void errors.push(e),
    });
    inf.start();
    await inf.synced;
    expect(rec.log).toEqual(["add x"]);

    proxy.cut({ stayDown: true });
    await waitFor("seven failed restarts", () => clock.sleeps.length >= 7);
    expect(clock.sleeps.slice(0, 7)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    await admin(env, "POST", evs, eventBody(NS, "y"));
    await admin(env, "DELETE", `${evs}/x`);
    proxy.restore();
    await waitFor("the changes made while disconnected", () => names(inf.list()).join() === "y");
    expect(rec.log).toEqual(["add x", "delete x", "add y"]);
    expect(errors.length).toBeGreaterThanOrEqual(7);
    expect(errors.every((e) => e instanceof KubeUnreachableError)).toBe(true);

    // an object made now reaches the cache by the watch alone: once it is there, the watch is up,
    // and the cut drops it (cut before it connects, it would connect after and never fail)
    await admin(env, "POST", evs, eventBody(NS, "z"));
    await waitFor("the watch up again", () => names(inf.list()).join() === "y,z");
    const before = clock.sleeps.length;
    proxy.cut();
    await waitFor("the next restart", () => clock.sleeps.length > before);
    expect(clock.sleeps[before]).toBe(1000);
    await waitFor("the watch again", () => inf.hasSynced() && errors.length > 7);
    await inf.stop();
    proxied.close();
    await proxy.close();
  });

  it("stop() before the first list rejects synced and leaves no timers or sockets behind", async () => {
    const proxy = await startTcpProxy(env.kubeApiUrl);
    const proxied = new KubeClient({ ...loadConnection({ kubeconfig: env.kubeconfig }), server: proxy.url });
    const clock = recordingClock();
    const inf = createInformer({
      client: proxied,
      rt: CONFIGMAPS,
      namespace: "kube-inf-basic",
      resyncMs: 60_000,
      clock,
    });
    inf.start();
    await inf.synced;
    await waitFor("the resync timer", () => clock.pending() === 1);
    await waitFor("the watch connection", () => proxy.connections() === 2); // the list's pooled keep-alive socket, and the watch
    await inf.stop();
    expect(clock.pending()).toBe(0);
    await waitFor("the watch connection closed", () => proxy.connections() === 1, 3000);
    proxied.close();
    await waitFor("the pooled connection closed", () => proxy.connections() === 0, 3000);
    expect(proxy.connections()).toBe(0);
    await proxy.close();

    const never = createInformer({ client, rt: CONFIGMAPS });
    await never.stop();
    await expect(never.synced).rejects.toBeInstanceOf(InformerStoppedError);
  });
});
