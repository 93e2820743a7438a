import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKubeClient, KubeClient } from "./client.js";
import { isGone } from "./errors.js";
import { loadConnection } from "./kubeconfig.js";
import { ItemPage, listPages, readListPage } from "./list.js";
import { listMetadataPages } from "./metadata-list.js";
import type { KubeObject } from "./resources.js";
import { admin, compactEtcd, EVENTS, ensureNamespace, eventBody } from "./test-support.js";

const env = inject("testenv");
const client = createKubeClient({ kubeconfig: env.kubeconfig });
const NS = "kube-list";
const NAMES = ["e0", "e1", "e2", "e3", "e4", "e5", "e6"];
const names = (page: KubeObject[]) => page.map((o) => o.metadata.name);

beforeAll(async () => {
  await ensureNamespace(env, NS);
  for (const name of NAMES) await admin(env, "POST", `/api/v1/namespaces/${NS}/events`, eventBody(NS, name));
});
afterAll(() => client.close());

// Events are listed from etcd (not the watch cache), so compacting etcd expires their continue tokens.
describe("listPages when the continue token expires mid-way", () => {
  it("starts again and still yields every object exactly once", async () => {
    const pages = listPages(client, EVENTS, { namespace: NS, limit: 2 });
    const first = await pages.next();
    if (first.done) throw new Error("no first page");
    const seen = names(first.value);
    await admin(env, "POST", `/api/v1/namespaces/${NS}/events`, eventBody(NS, "late"));
    await compactEtcd(env);
    let next = await pages.next();
    for (; !next.done; next = await pages.next()) {
      seen.push(...names(next.value));
      for (const o of next.value) expect([o.apiVersion, o.kind]).toEqual(["v1", "Event"]);
    }
    expect(seen.sort()).toEqual([...NAMES, "late"].sort());
    expect(next.value.restarts).toBe(1);
    expect(Number(next.value.resourceVersion)).toBeGreaterThan(0);
    await admin(env, "DELETE", `/api/v1/namespaces/${NS}/events/late`);
  });

  it("starts a metadata listing again too, each object once", async () => {
    const pages = listMetadataPages(client, EVENTS, { namespace: NS, limit: 2 });
    const first = await pages.next();
    if (first.done) throw new Error("no first page");
    const seen = first.value.items.map((m) => m.name);
    await admin(env, "POST", `/api/v1/namespaces/${NS}/events`, eventBody(NS, "late-meta"));
    await compactEtcd(env);
    let next = await pages.next();
    for (; !next.done; next = await pages.next()) seen.push(...next.value.items.map((m) => m.name));
    expect(seen.sort()).toEqual([...NAMES, "late-meta"].sort());
    expect(next.value.restarts).toBe(1);
    await admin(env, "DELETE", `/api/v1/namespaces/${NS}/events/late-meta`);
  });

  it("asks for a metadata listing's next page while a page is used, and stops it when the listing stops", async () => {
    const asked: { query: unknown; signal?: AbortSignal; settled: boolean }[] = [];
    class Recording extends KubeClient {
      override requestBody(method: string, path: string, opts: Parameters<KubeClient["requestBody"]>[2] = {}) {
        const call = { query: opts.query, signal: opts.signal, settled: false };
        asked.push(call);
        const body = super.requestBody(method, path, opts);
        body.then(
          () => {
            call.settled = true;
          },
          () => {
            call.settled = true;
          },
        );
        return body;
      }
    }
    const recording = new Recording(loadConnection({ kubeconfig: env.kubeconfig }));
    try {
      const pages = listMetadataPages(recording, EVENTS, { namespace: NS, limit: 2 });
      const first = await pages.next();
      expect(first.done).toBe(false);
      // the first page is in: the second was asked for with its continue token before it was handed over
      expect(asked).toHaveLength(2);
      expect((asked[1]?.query as { continue?: string } | undefined)?.continue).toBeTruthy();
      const second = await pages.next();
      expect(second.done).toBe(false);
      expect(asked).toHaveLength(3);
      await pages.return(undefined as never);
      // the page asked for ahead was stopped with the listing (or had come in already)
      const last = asked[2];
      expect(last?.signal).toBeDefined(); // asked ahead: a signal of its own to stop it
      expect(last?.signal?.aborted || last?.settled).toBe(true);
      // every page a whole listing reads, once
      asked.length = 0;
      const all: string[] = [];
      for await (const page of listMetadataPages(recording, EVENTS, { namespace: NS, limit: 2 }))
        all.push(...page.items.map((m) => m.name));
      expect(all.sort()).toEqual([...NAMES].sort());
      expect(asked).toHaveLength(Math.ceil(NAMES.length / 2));
    } finally {
      recording.close();
    }
  });

  it("hands the 410 to the caller with restartOnExpiry: false", async () => {
    const pages = listPages(client, EVENTS, { namespace: NS, limit: 3, restartOnExpiry: false });
    await pages.next();
    await admin(env, "POST", `/api/v1/namespaces/${NS}/events`, eventBody(NS, "later"));
    await compactEtcd(env);
    const err = await pages.next().catch((e: unknown) => e);
    expect(isGone(err)).toBe(true);
  });

  it("returns the list's resourceVersion when nothing expired", async () => {
    const pages = listPages(client, EVENTS, { namespace: NS, limit: 100 });
    let next = await pages.next();
    const seen: string[] = [];
    for (; !next.done; next = await pages.next()) seen.push(...names(next.value));
    expect(seen).toContain("e0");
    expect(next.value.restarts).toBe(0);
    expect(next.value.resourceVersion).toMatch(/^\d+$/);
  });
});

describe("list pages read item by item", () => {
  it("cuts the API server's list responses into items that parse to what JSON.parse gives", async () => {
    const body = await client.requestBody("GET", `/api/v1/namespaces/${NS}/events`, { query: { limit: 5 } });
    const page = readListPage(body);
    expect(page.objects).toBeUndefined(); // cut, not parsed whole
    expect(page.bounds).toHaveLength(10);
    const items = [...new ItemPage(body, page.bounds, page.objects, "v1", "Event", new Set())];
    const whole = (JSON.parse(body.toString("utf8")) as { items: KubeObject[] }).items.map((o) => ({
      ...o,
      apiVersion: "v1",
      kind: "Event",
    }));
    expect(items).toEqual(whole);
    expect(page.metadata.continue).toBeTruthy();
  });
});
