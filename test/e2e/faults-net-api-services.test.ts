import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ServiceProcess, type Stack, startStack, waitFor } from "./harness.js";
import { baselineOf, type FaultProxies, logEntries, seedConfigMaps, startFaultProxies } from "./faults-net-env.js";
import { type StatusProxy, startStatusProxy } from "./faults-net-status-proxy.js";
import { testNamespace } from "./test-namespace.js";

// Item 3 of the fault suite, through the services: the dump worker reaches the API server through
// the test's status proxy (429, 5xx) and, behind it, a Toxiproxy proxy (connections cut after a
// number of bytes). A backup either completes with every object or fails and is retried by its
// job, which lists again from the start.

const t = inject("testenv");
const e2e = testNamespace(t, "fn-apis");
const DATA = "fn-apis-data";
const COUNT = 1000;
let proxies: FaultProxies;
let statusProxy: StatusProxy;
let stack: Stack;
let worker: ServiceProcess;
let baseline: { objects: number; counts: Record<string, number> };

beforeAll(async () => {
  await e2e.setup();
  proxies = await startFaultProxies(t);
  const api = await proxies.api("api-worker");
  statusProxy = await startStatusProxy(t, proxies.dir, "status-worker", `https://${api.listen}`);
  await seedConfigMaps(t, DATA, COUNT, 1000);
  baseline = await baselineOf(t, DATA);
  const target = { ref: { apiVersion: "v1", kind: "Namespace", name: DATA } };
  await e2e.createConfig("data", { schedule: "0 0 1 1 *", target, retryConfig: { maxRetry: 3, delay: "2s" } });
  stack = await startStack(e2e, { workers: 0 });
  worker = stack.start("dump-worker", "dump-worker-0", { KUBECONFIG: statusProxy.kubeconfig });
  await e2e.waitForPhase("backupconfigurations", "data", "Ready");
}, 300_000);
afterAll(async () => {
  await stack?.stop();
  await statusProxy?.close();
  await proxies?.stop();
});

const attemptsOf = (session: string) => logEntries(worker, "backup attempt").filter((l) => l.session === session);

describe("faults: the API server as the dump worker sees it", () => {
  it("connections cut after 100 kB (Toxiproxy limit_data) mid-LIST: the attempt fails, its retry lists again and commits every object", {
    timeout: 300_000,
  }, async () => {
    await proxies.toxiproxy.client.addToxic("api-worker", { type: "limit_data", attributes: { bytes: 100_000 } });
    await e2e.createSession("cut-now", "data");
    await waitFor("the first attempt to fail", async () => (attemptsOf("cut-now").length ? true : undefined), 120_000);
    await proxies.toxiproxy.client.removeToxic("api-worker", "limit_data_downstream");
    const done = await e2e.waitForSession("cut-now", 120_000);
    const failed = attemptsOf("cut-now");
    console.info(`API cut mid-LIST: ${statusProxy.upstreamCuts} responses cut, ${failed.length} attempt(s) failed`);
    expect(String(failed[0]?.msg)).toMatch(
      /attempt 1 failed, will retry: reading http:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/fn-apis-data\/configmaps: aborted/,
    );
    expect(statusProxy.upstreamCuts).toBeGreaterThanOrEqual(3);
    expect(done.status.phase).toBe("Succeeded");
    const manifest = await (await e2e.repository()).getSnapshot(done.status.snapshot.id);
    expect(manifest.counts).toEqual(baseline.counts);
    expect(logEntries(worker, "snapshot committed").filter((l) => l.session === "cut-now")).toHaveLength(1);
  });

  it("429 with Retry-After on every first LIST page and 503 on every first read and write of the session: one attempt, every object", {
    timeout: 300_000,
  }, async () => {
    const before = statusProxy.seen.length;
    const answered = new Set<string>(); // the first request of each URL in this test, whatever came before
    statusProxy.rules = ({ url }) => {
      if (answered.has(url)) return undefined;
      answered.add(url);
      if (url.startsWith(`/api/v1/namespaces/${DATA}/configmaps?`)) return { status: 429, retryAfter: 1 };
      if (url.includes(`/namespaces/${e2e.ns}/backupsessions/statuses-now`)) return { status: 503 };
      return undefined;
    };
    await e2e.createSession("statuses-now", "data");
    const done = await e2e.waitForSession("statuses-now", 120_000);
    statusProxy.rules = () => undefined;
    const injected = statusProxy.seen.slice(before).filter((s) => s.injected === "status");
    console.info(`API statuses: ${injected.map((s) => `${s.status} ${s.method}`).join(", ")}`);
    // Every first page of the ConfigMaps' LIST got a 429, once: pages of 500, or of 2,000 when an
    // earlier backup's reuse table makes this one list metadata (docs/decisions.md, "Metadata listing").
    const pages = new Set(
      statusProxy.seen
        .slice(before)
        .filter((s) => s.method === "GET" && s.url.startsWith(`/api/v1/namespaces/${DATA}/configmaps?`))
        .map((s) => s.url),
    ).size;
    expect(injected.filter((s) => s.status === 429).length).toBe(pages);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(COUNT / 2000));
    expect(injected.filter((s) => s.status === 503).length).toBeGreaterThanOrEqual(2);
    expect(done.status.phase).toBe("Succeeded");
    expect(attemptsOf("statuses-now")).toEqual([]);
    const manifest = await (await e2e.repository()).getSnapshot(done.status.snapshot.id);
    expect(manifest.counts).toEqual(baseline.counts);
  });
});
