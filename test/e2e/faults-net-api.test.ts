import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ExtraCluster, startExtraCluster } from "@kubedump/testenv";
import type { Obj } from "./harness.js";
import { baselineOf, type FaultProxies, kubedumpCli, seedConfigMaps, startFaultProxies } from "./faults-net-env.js";
import { type Injected, type StatusProxy, startStatusProxy } from "./faults-net-status-proxy.js";

// Item 3 of the fault suite, through the CLI: `kubedump backup` of a namespace of 1200 ConfigMaps
// with the API server behind Toxiproxy (latency) or behind a small HTTP proxy of the test's own
// (answers 429 and 5xx, cuts responses in the middle). Each backup either holds exactly what a
// backup straight to the API server holds, or says what it is missing, or fails saying why.

// A private cluster: tests elsewhere compact the shared etcd, which expires continue tokens and
// makes a list start again (new page URLs) in the middle of these counts.
const shared = inject("testenv");
let t: typeof shared;
let cluster: ExtraCluster | undefined;
const DATA = "fn-api-data";
const COUNT = 1200;
let proxies: FaultProxies;
let baseline: { objects: number; counts: Record<string, number> };
let baselineMs: number;
const statusProxies: StatusProxy[] = [];

beforeAll(async () => {
  cluster = await startExtraCluster();
  const { kubeconfig, kubeApiUrl, caPem, adminCertPem, adminKeyPem } = cluster;
  t = { ...shared, kubeconfig, kubeApiUrl, caPem, adminCertPem, adminKeyPem };
  proxies = await startFaultProxies(t);
  await seedConfigMaps(t, DATA, COUNT, 1000);
  const started = Date.now();
  baseline = await baselineOf(t, DATA);
  baselineMs = Date.now() - started;
  expect(baseline.counts.configmaps).toBe(COUNT);
}, 300_000);
afterAll(async () => {
  await Promise.all(statusProxies.map((p) => p.close()));
  await proxies?.stop();
  await cluster?.stop();
});

/** `kubedump backup --namespace DATA` through `kubeconfig` into a new local repository. */
async function backupThrough(kubeconfig: string, extra: string[] = []) {
  const repo = mkdtempSync(join(tmpdir(), "kubedump-fn-api-"));
  const started = Date.now();
  const run = await kubedumpCli(["backup", "--namespace", DATA, "--repo", repo, "-o", "json", ...extra], {
    KUBECONFIG: kubeconfig,
  });
  const ms = Date.now() - started;
  const manifest = run.code === 0 ? (JSON.parse(run.stdout) as Obj) : undefined;
  const listed = await kubedumpCli(["snapshots", "-o", "json", "--repo", repo], {});
  return { run, ms, manifest, snapshots: JSON.parse(listed.stdout || "[]") as Obj[] };
}

/** A status proxy straight in front of the API server with these rules for the LISTs of DATA's ConfigMaps. */
async function proxyFor(name: string, rule: (n: number, url: string) => Injected | undefined) {
  const proxy = await startStatusProxy(t, proxies.dir, name, t.kubeApiUrl);
  statusProxies.push(proxy);
  proxy.rules = ({ url, n }) => (url.startsWith(`/api/v1/namespaces/${DATA}/configmaps?`) ? rule(n, url) : undefined);
  return proxy;
}

const configMapLists = (p: StatusProxy) => p.seen.filter((s) => s.url.includes(`/namespaces/${DATA}/configmaps?`));

describe.concurrent("faults: the API server slow, cut off, refusing", () => {
  it("200 ms latency on every response: the backup completes, slower, with every object", async () => {
    const api = await proxies.api("latency");
    await proxies.toxiproxy.client.addToxic(api.name, { type: "latency", attributes: { latency: 200 } });
    const { run, ms, manifest } = await backupThrough(api.kubeconfig);
    expect(run.code, run.stderr).toBe(0);
    expect(manifest?.counts).toEqual(baseline.counts);
    expect(ms - baselineMs).toBeGreaterThan(2000);
    console.info(`API latency 200 ms: ${ms} ms against ${baselineMs} ms straight`);
  });

  it("every first answer to a LIST page cut in the middle: the page is asked again with its continue token", async () => {
    const proxy = await proxyFor("cut-once", (n) => (n === 0 ? { cut: true } : undefined));
    const { run, manifest } = await backupThrough(proxy.kubeconfig, ["--page-size", "200"]);
    expect(run.code, run.stderr).toBe(0);
    expect(manifest?.counts).toEqual(baseline.counts);
    const lists = configMapLists(proxy);
    const cut = lists.filter((s) => s.injected === "cut");
    expect(cut).toHaveLength(COUNT / 200);
    expect(cut.filter((s) => s.url.includes("continue="))).toHaveLength(COUNT / 200 - 1);
    for (const c of cut)
      expect(lists.filter((s) => s.url === c.url && !s.injected && s.status === 200)).toHaveLength(1);
  });

  it("429 with Retry-After, then 503, 500 and 504 for every page: retried, Retry-After honoured, every object in", async () => {
    const answers: Injected[] = [{ status: 429, retryAfter: 1 }, { status: 503 }, { status: 500 }, { status: 504 }];
    const proxy = await proxyFor("statuses", (n) => answers[n]);
    const { run, manifest } = await backupThrough(proxy.kubeconfig, ["--page-size", "400"]);
    expect(run.code, run.stderr).toBe(0);
    expect(manifest?.counts).toEqual(baseline.counts);
    const lists = configMapLists(proxy);
    const pages = [...new Set(lists.map((s) => s.url))];
    expect(pages).toHaveLength(COUNT / 400);
    for (const url of pages) {
      const tries = lists.filter((s) => s.url === url);
      expect(tries.map((s) => s.status)).toEqual([429, 503, 500, 504, 200]);
      expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(1000);
    }
  });

  it("503 for every page after the first: the snapshot says which type is short and by how much, never silently", async () => {
    const proxy = await proxyFor("503-always", (_n, url) => (url.includes("continue=") ? { status: 503 } : undefined));
    const { run, manifest } = await backupThrough(proxy.kubeconfig);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: listing configmaps in namespace fn-api-data failed after 500 of its objects/);
    expect(manifest?.counts.configmaps).toBe(500);
    expect({ ...manifest?.counts, configmaps: COUNT }).toEqual(baseline.counts);
    expect(manifest?.warnings).toEqual([expect.stringMatching(/configmaps.*after 500 of its objects.*: .*503/)]);
  });

  it("every answer to a LIST page cut: the backup fails naming the API server, and nothing is committed", async () => {
    const proxy = await proxyFor("cut-always", () => ({ cut: true }));
    const { run, snapshots } = await backupThrough(proxy.kubeconfig);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/reading https?:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/fn-api-data\/configmaps/);
    expect(snapshots).toEqual([]);
    expect(configMapLists(proxy).length).toBeGreaterThanOrEqual(3);
  });
});
