#!/usr/bin/env node
// A paged LIST of every object in the bench-* namespaces through packages/kube (our HTTP client,
// listPages) against @kubernetes/client-node (KubernetesObjectApi.list with limit/continue), each
// in a fresh child process, in ABBA order. Prints both sides' medians: wall time, CPU, peak RSS,
// and checks that both saw the same objects (uid and resourceVersion). docs/decisions.md cites it.
//
// Needs a cluster with the bench objects, e.g. one left up by the dump benchmark:
//   npm run bench:dump -- --objects 20000 --skip-kubectl --runs 1 --keep    # prints an env file
//   KUBECONFIG=<its kubeconfig> node test/bench/list-vs-client-node.mjs --runs 6
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { childConfig, cpuSeconds, emitResult, fmt, maxRssBytes, median, runMeasurement } from "./lib/common.mjs";
import { NAMESPACE_PREFIX, SEED_TYPES } from "./lib/seed.mjs";

const SELF = fileURLToPath(import.meta.url);
const IS_CHILD = process.argv[2]?.startsWith("{");
const PAGE = 500;

/** Our side: createKubeClient + listPages, one namespace at a time, as the dump lists them. */
async function ours(kubeconfig, namespaces, seen) {
  const { createKubeClient, listPages } = await import("@kubedump/kube");
  const client = createKubeClient({ kubeconfig, qps: 0 });
  try {
    for (const rt of SEED_TYPES) {
      for (const namespace of namespaces)
        for await (const page of listPages(client, rt, { namespace, limit: PAGE }))
          for (const o of page) seen(o.metadata.uid, o.metadata.resourceVersion);
    }
  } finally {
    client.close();
  }
}

/** client-node's side: KubernetesObjectApi.list page by page (it deserializes into its model classes). */
async function clientNode(kubeconfig, namespaces, seen) {
  const { KubeConfig, KubernetesObjectApi } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const { apiVersion, kind } of SEED_TYPES)
    for (const namespace of namespaces) {
      let cont;
      do {
        const list = await api.list(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          PAGE,
          cont,
        );
        for (const o of list.items) seen(o.metadata.uid, o.metadata.resourceVersion);
        cont = list.metadata?._continue || undefined;
      } while (cont);
    }
}

/** A measurement child: one side in a fresh process; returns the count and a digest of what it saw. */
async function child() {
  const cfg = childConfig();
  const ids = [];
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  await (cfg.side === "ours" ? ours : clientNode)(cfg.kubeconfig, cfg.namespaces, (uid, rv) =>
    ids.push(`${uid}@${rv}`),
  );
  const seconds = (performance.now() - t0) / 1000;
  const digest = createHash("sha256").update(ids.sort().join("\n")).digest("hex");
  emitResult({ seconds, cpu: cpuSeconds() - cpu0, rss: maxRssBytes(), objects: ids.length, digest });
}

async function bench() {
  const { values: args } = parseArgs({
    args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--")),
    options: { runs: { type: "string", default: "6" }, namespaces: { type: "string", default: "10" } },
  });
  const kubeconfig = process.env.KUBECONFIG;
  if (!kubeconfig) throw new Error("set KUBECONFIG to a cluster with the bench-* objects (see the header)");
  const namespaces = Array.from({ length: Number(args.namespaces) }, (_, i) => `${NAMESPACE_PREFIX}${i}`);
  const sides = { ours: [], "client-node": [] };
  for (let run = 0; run < Number(args.runs); run++) {
    const order = run % 2 ? ["client-node", "ours"] : ["ours", "client-node"];
    for (const side of order) sides[side].push(await runMeasurement(SELF, { side, kubeconfig, namespaces }));
  }
  const [a, b] = [sides.ours[0], sides["client-node"][0]];
  console.log(`${fmt.n(a.objects)} objects in ${namespaces.length} namespaces, pages of ${PAGE}, medians:`);
  for (const [side, rs] of Object.entries(sides)) {
    const m = (k) => median(rs.map((r) => r[k]));
    console.log(
      `  ${side.padEnd(11)} ${fmt.f(m("seconds"), 3)} s wall, ${fmt.f(m("cpu"), 3)} s CPU, peak RSS ${fmt.mib(m("rss"))} MiB`,
    );
  }
  const same = a.digest === b.digest && a.objects === b.objects;
  console.log(`  the same objects (uid and resourceVersion) on both sides: ${same ? "yes" : "NO"}`);
  if (!same) process.exitCode = 1;
}

if (IS_CHILD) await child();
else await bench();
