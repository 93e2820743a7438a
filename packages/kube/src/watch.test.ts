import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKubeClient } from "./client.js";
import { isGone, KubeApiError } from "./errors.js";
import { listPages } from "./list.js";
import { admin, CONFIGMAPS, compactEtcd, EVENTS, ensureNamespace, eventBody } from "./test-support.js";
import { type WatchEvent, watchEvents } from "./watch.js";

const env = inject("testenv");
const client = createKubeClient({ kubeconfig: env.kubeconfig });
const NS = "kube-watch";
const cms = `/api/v1/namespaces/${NS}/configmaps`;

async function listVersion(): Promise<string> {
  const pages = listPages(client, CONFIGMAPS, { namespace: NS });
  let next = await pages.next();
  while (!next.done) next = await pages.next();
  return next.value.resourceVersion;
}

beforeAll(() => ensureNamespace(env, NS));
afterAll(() => client.close());

describe("watchEvents", () => {
  it("streams ADDED, MODIFIED and DELETED after a resourceVersion", async () => {
    const from = await listVersion();
    await admin(env, "POST", cms, { metadata: { name: "w1" }, data: { v: "1" } });
    await admin(env, "PATCH", `${cms}/w1`, { data: { v: "2" } });
    await admin(env, "DELETE", `${cms}/w1`);
    const seen: WatchEvent[] = [];
    for await (const event of watchEvents(client, CONFIGMAPS, {
      namespace: NS,
      resourceVersion: from,
      timeoutSeconds: 10,
    })) {
      if (event.type !== "BOOKMARK") seen.push(event);
      if (seen.length === 3) break;
    }
    expect(seen.map((e) => [e.type, e.object.metadata.name, e.object.data])).toEqual([
      ["ADDED", "w1", { v: "1" }],
      ["MODIFIED", "w1", { v: "2" }],
      ["DELETED", "w1", { v: "2" }],
    ]);
    expect(seen.map((e) => `${e.object.apiVersion} ${e.object.kind}`)).toEqual(Array(3).fill("v1 ConfigMap"));
  });

  it("ends by itself when the server's timeoutSeconds pass", async () => {
    const t0 = Date.now();
    const types: string[] = [];
    for await (const event of watchEvents(client, CONFIGMAPS, {
      namespace: NS,
      resourceVersion: await listVersion(),
      timeoutSeconds: 1,
    })) {
      types.push(event.type);
    }
    expect(types.filter((t) => t !== "BOOKMARK")).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it("throws a 410 KubeApiError from the ERROR event when the resourceVersion was compacted", async () => {
    const created = await admin(env, "POST", `/api/v1/namespaces/${NS}/events`, eventBody(NS, "old"));
    // A watch from X reads from revision X+1 on, so compact past that.
    await admin(env, "POST", `/api/v1/namespaces/${NS}/events`, eventBody(NS, "new"));
    await admin(env, "POST", `/api/v1/namespaces/${NS}/events`, eventBody(NS, "newer"));
    await compactEtcd(env);
    const err = await (async () => {
      for await (const _ of watchEvents(client, EVENTS, {
        namespace: NS,
        resourceVersion: created.metadata.resourceVersion,
        timeoutSeconds: 10,
      })) {
        // nothing is delivered before the error
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(isGone(err)).toBe(true);
    expect((err as KubeApiError).reason).toBe("Expired");
  });

  it("ends with the abort reason when its signal is aborted", async () => {
    const ctl = new AbortController();
    const reason = new Error("enough");
    setTimeout(() => ctl.abort(reason), 300);
    const err = await (async () => {
      for await (const _ of watchEvents(client, CONFIGMAPS, {
        namespace: NS,
        resourceVersion: await listVersion(),
        signal: ctl.signal,
      })) {
        // wait for the abort
      }
    })().catch((e: unknown) => e);
    expect(err).toBe(reason);
  });
});
