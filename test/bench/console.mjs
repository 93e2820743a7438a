#!/usr/bin/env node
// kubedump console benchmark: seeds N objects (the dump benchmark's mix) into a fresh cluster, backs
// them up with the kubedump CLI into a local repository that a Repository object describes, starts
// the console server in this process, and measures in headless Chromium the time from navigation to
// the first painted tree of that snapshot (cold: the server reads the index first; then warm), the
// bytes the page transferred, and the time from a click on a type to its first page of names.
//
//   npm run bench:console                        # 100,000 objects
//   npm run bench:console -- --objects 20000 --runs 3
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadConnection } from "@kubedump/kube";
import { createLogger } from "@kubedump/service";
import { ensureBinary, kubeHttp, startExtraCluster } from "@kubedump/testenv";
import { launchChromium } from "../../services/console/test/browser/chromium.mjs";
import { benchArgs } from "./lib/bench-args.mjs";
import { createCleanup } from "./lib/cleanup.mjs";
import { median, runBench } from "./lib/common.mjs";
import { measureNames, measureTree, signIn } from "./lib/console-measure.mjs";
import { backupBenchNamespaces } from "./lib/restore-runs.mjs";
import { seed } from "./lib/seed.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const HELP = `usage: npm run bench:console -- [options]
  --objects N            objects in the snapshot (default 100000)
  --namespaces K         spread over namespaces bench-0..K-1 (default 10)
  --seed-concurrency C   creates in flight while seeding (default 48)
  --runs R               warm page loads after the cold one (default 5)`;

const { int } = benchArgs(
  {
    objects: { type: "string", default: "100000" },
    namespaces: { type: "string", default: "10" },
    "seed-concurrency": { type: "string", default: "48" },
    runs: { type: "string", default: "5" },
  },
  HELP,
);
const N = int("objects");
const NS = "console-bench";

const log = (m) => process.stderr.write(`bench: ${m}\n`);
const work = mkdtempSync(join(tmpdir(), "kubedump-bench-console-"));
const { cleanup, track, stopAtEnd } = createCleanup({ work, log });
/** What to stop at the end, newest first: the browser, the console, the cluster. */
const stops = [];
stopAtEnd({
  stop: async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => log(`stopping: ${err.message}`));
  },
});

async function must(cluster, path, body) {
  const res = await kubeHttp(cluster, path, { body });
  if (res.status !== 201 && res.status !== 409) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  return res;
}

/** The CRDs, a Repository describing the local repository, and a token that may read everything. */
async function describeRepository(cluster, repo) {
  const kubectl = await ensureBinary("kubectl");
  const env = { ...process.env, KUBECONFIG: cluster.kubeconfig };
  await promisify(execFile)(kubectl, ["apply", "--server-side", "-f", join(ROOT, "deploy", "crds")], { env });
  await promisify(execFile)(kubectl, ["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"], { env });
  await must(cluster, "/api/v1/namespaces", { metadata: { name: NS } });
  await must(cluster, `/apis/kubedump.io/v1alpha1/namespaces/${NS}/repositories`, {
    apiVersion: "kubedump.io/v1alpha1",
    kind: "Repository",
    metadata: { name: "bench" },
    spec: { backend: { local: { path: repo } } },
  });
  await must(cluster, `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: "viewer" } });
  await must(cluster, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
    metadata: { name: "console-bench-viewer" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: [{ kind: "ServiceAccount", name: "viewer", namespace: NS }],
  });
  const res = await must(cluster, `/api/v1/namespaces/${NS}/serviceaccounts/viewer/token`, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds: 3600 },
  });
  return res.body.status.token;
}

/** The console server of services/console/dist, in this process. */
async function startConsole(kubeconfig) {
  const { createConsoleApp } = await import(join(ROOT, "services/console/dist/app.js"));
  const { loadConfig } = await import(join(ROOT, "services/console/dist/config.js"));
  const config = loadConfig({ KUBECONFIG: kubeconfig, HTTP_HOST: "127.0.0.1", HTTP_PORT: "0", LOG_LEVEL: "warn" });
  const app = createConsoleApp({ config, log: createLogger("console", "warn") });
  const port = await app.start();
  stops.push(() => app.close());
  return `http://127.0.0.1:${port}`;
}

async function main() {
  const cluster = await startExtraCluster();
  stops.push(() => cluster.stop());
  log(`seeding ${N.toLocaleString("en-US")} objects`);
  const conn = loadConnection({ kubeconfig: cluster.kubeconfig });
  await seed(conn, { objects: N, namespaces: int("namespaces"), concurrency: int("seed-concurrency"), progress: log });
  const repo = join(work, "repo");
  const manifest = await backupBenchNamespaces(repo, cluster.kubeconfig, { root: ROOT, work, track });
  log(`snapshot ${manifest.id}: ${manifest.objects} objects`);
  const token = await describeRepository(cluster, repo);
  const url = await startConsole(cluster.kubeconfig);
  const chromium = await launchChromium();
  stops.push(() => chromium.close());
  const page = await chromium.browser.newPage();
  await page.setCacheEnabled(false);
  await signIn(page, url, token);
  const target = `${url}/repositories/${NS}/bench/snapshots/${manifest.id}`;
  log("cold page load (the server reads the snapshot's index)");
  const cold = await measureTree(page, target);
  const warm = [];
  for (let i = 0; i < int("runs"); i++) warm.push(await measureTree(page, target));
  const names = await measureNames(page);
  process.stdout.write(`\n${report(manifest, cold, warm, names)}\n`);
}

function report(manifest, cold, warm, names) {
  const ms = (v) => `${Math.round(v)} ms`;
  const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
  const w = (k) => median(warm.map((r) => r[k]));
  return [
    `console: first painted tree of a ${manifest.objects.toLocaleString("en-US")}-object snapshot (${cold.namespaces} namespaces), headless Chromium, no browser cache`,
    `cold (index read by the server): in DOM ${ms(cold.inDomMs)}, painted ${ms(cold.paintedMs)}, ${kib(cold.bytes)} transferred in ${cold.requests} requests (tree API ${cold.treeBytes} B)`,
    `warm, median of ${warm.length}: in DOM ${ms(w("inDomMs"))}, painted ${ms(w("paintedMs"))}, ${kib(w("bytes"))} transferred (tree API ${w("treeBytes")} B)`,
    `first page of names after a click on a type: ${ms(names.ms)} (${names.names} names)`,
  ].join("\n");
}

runBench(main, cleanup);
