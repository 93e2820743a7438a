// Experiment: the GETs of a second backup's changed objects (changed-pages.ts, getChanged) plain
// (a quorum read from etcd) or with the object's resourceVersion from its metadata page ("not
// older than": served from the API server's watch cache), side by side in alternating rounds:
//   node test/bench/experiments/get-from-cache.mjs [objects] [--rounds R] [--every K]
import { loadavg } from "node:os";
import { collectionPath, createKubeClient, loadConnection } from "@kubedump/kube";
import { startTestEnv } from "@kubedump/testenv";
import { benchTypes } from "../lib/bench-paths.mjs";
import { NAMESPACE_PREFIX, seed } from "../lib/seed.mjs";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(args.splice(i, 2)[1]);
};
const ROUNDS = opt("rounds", 4);
const EVERY = opt("every", 20);
const N = Number(args[0] ?? 20000);
const log = (m) => process.stderr.write(`${m}\n`);
const env = await startTestEnv({ progress: (m) => log(`testenv: ${m}`) });
try {
  await seed(loadConnection({ kubeconfig: env.kubeconfig }), { objects: N, namespaces: 10, progress: log });
  const client = createKubeClient({ kubeconfig: env.kubeconfig, qps: 0 });
  const types = await benchTypes(client);
  const targets = [];
  for (const rt of types) {
    const list = JSON.parse((await client.requestBody("GET", collectionPath(rt))).toString("utf8"));
    for (const { metadata: m } of list.items ?? [])
      if (m.namespace?.startsWith(NAMESPACE_PREFIX))
        targets.push({ rt, ns: m.namespace, name: m.name, rv: m.resourceVersion });
  }
  const picked = targets.filter((_, i) => i % EVERY === 0);
  async function gets(withRv) {
    const t = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < picked.length) {
          const { rt, ns, name, rv } = picked[next++];
          const query = withRv ? { resourceVersion: rv } : undefined;
          await client.requestBody("GET", `${collectionPath(rt, ns)}/${encodeURIComponent(name)}`, { query });
        }
      }),
    );
    return performance.now() - t;
  }
  await gets(false);
  await gets(true);
  const rows = { plain: [], cached: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? [true, false] : [false, true];
    for (const withRv of order) rows[withRv ? "cached" : "plain"].push(Math.round(await gets(withRv)));
  }
  console.log(
    `${picked.length} GETs of ${targets.length} objects, 8 at once, load ${loadavg()[0].toFixed(2)}: ` +
      `plain ${rows.plain.join(" ")} ms; with resourceVersion ${rows.cached.join(" ")} ms`,
  );
  client.close?.();
} finally {
  await env.stop?.();
}
