// The full paged LIST against the metadata-only LIST (PartialObjectMetadataList) and 1,000 GETs by
// name (8 at once, no client-side rate limit), on bench:incremental's objects, three rounds side by
// side (docs/decisions.md, "Reuse by identity"): node test/bench/metadata-list.mjs [objects]
import { loadavg } from "node:os";
import { compileFilters } from "@kubedump/dump";
import { collectionPath, createKubeClient, discoverResources, loadConnection } from "@kubedump/kube";
import { startTestEnv } from "@kubedump/testenv";
import { NAMESPACE_PREFIX, seed } from "./lib/seed.mjs";

const N = Number(process.argv[2] ?? 20000);
const log = (m) => process.stderr.write(`${m}\n`);
log(
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
const env = await startTestEnv({ progress: (m) => log(`testenv: ${m}`) });
try {
  await seed(loadConnection({ kubeconfig: env.kubeconfig }), { objects: N, namespaces: 10, progress: log });
  const client = createKubeClient({ kubeconfig: env.kubeconfig, qps: 0 });
  const discovery = await discoverResources(client);
  const types = compileFilters(
    { scope: { type: "cluster" }, includeNamespaces: [`${NAMESPACE_PREFIX}*`] },
    discovery.resources,
  ).resources;
  const META = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
  const names = [];
  async function list(accept) {
    const t0 = performance.now();
    let objects = 0,
      bytes = 0;
    for (const rt of types) {
      let cont;
      do {
        const body = await client.requestBody("GET", collectionPath(rt), {
          query: { limit: 500, continue: cont },
          accept,
        });
        bytes += body.length;
        const page = JSON.parse(body.toString("utf8"));
        objects += (page.items ?? []).length;
        if (names.length < 2000 && accept === undefined)
          for (const it of (page.items ?? []).slice(0, 20)) names.push([rt, it.metadata.namespace, it.metadata.name]);
        cont = page.metadata.continue || undefined;
      } while (cont);
    }
    return { s: (performance.now() - t0) / 1000, objects, MB: bytes / 1e6 };
  }
  async function gets(n, concurrency) {
    const todo = names.slice(0, n);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let x = todo.shift(); x; x = todo.shift()) {
          const [rt, ns, name] = x;
          await client.requestBody("GET", `${collectionPath(rt, ns)}/${encodeURIComponent(name)}`);
        }
      }),
    );
    return { s: (performance.now() - t0) / 1000, n };
  }
  for (let round = 0; round < 3; round++) {
    const full = await list(undefined);
    const meta = await list(META);
    const g = await gets(1000, 8);
    console.log(
      JSON.stringify({ round, full, meta, ratio: +(meta.s / full.s).toFixed(2), gets1000: g, load: loadavg()[0] }),
    );
  }
  client.close();
} finally {
  await env.stop?.();
}
