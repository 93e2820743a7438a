// Checks the YAML emitter of packages/dump against js-yaml on every sanitized object in the bench-*
// namespaces, and times both. Strings in every position are checked by packages/dump/src/yaml.test.ts.
//   KUBECONFIG=/path/to/kubeconfig node test/bench/experiments/check-fast-yaml.mjs
import { compileFilters, yamlDump as fastDump, sanitize } from "@kubedump/dump";
import { createKubeClient, discoverResources, listPages } from "@kubedump/kube";
import { dump } from "js-yaml";

const OPTS = { noRefs: true, lineWidth: -1, sortKeys: false };
if (!process.env.KUBECONFIG) {
  console.error("check-fast-yaml: set KUBECONFIG to the cluster that holds the bench-* namespaces");
  process.exit(2);
}
const client = createKubeClient({ kubeconfig: process.env.KUBECONFIG, qps: 0 });
const { resources } = await discoverResources(client);
const filters = compileFilters({ scope: { type: "cluster" }, includeNamespaces: ["bench-*"] }, resources);
const objects = [];
for (const rt of filters.resources) {
  for await (const page of listPages(client, rt))
    for (const o of page) if (filters.keep(o, rt)) objects.push(sanitize(o));
}
client.close();
let same = 0;
for (const o of objects) if (dump(o, OPTS) === fastDump(o)) same++;
console.log(`bench objects: ${same}/${objects.length} byte-identical`);
for (let round = 1; round <= 3; round++) {
  let t = performance.now();
  for (const o of objects) dump(o, OPTS);
  const slow = performance.now() - t;
  t = performance.now();
  for (const o of objects) fastDump(o);
  const fast = performance.now() - t;
  const per = (ms) => `${((ms * 1000) / objects.length).toFixed(1)} µs/object`;
  console.log(
    `round ${round}: js-yaml ${slow.toFixed(0)} ms (${per(slow)}), fast-yaml ${fast.toFixed(0)} ms (${per(fast)}): ${(slow / fast).toFixed(1)}x`,
  );
}
