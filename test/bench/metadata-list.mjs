// What a second backup could list instead of every object whole (docs/decisions.md, "Reuse by
// identity"), on bench:incremental's objects, side by side in each of three rounds: the full paged
// JSON LIST, the JSON PartialObjectMetadataList, the protobuf PartialObjectMetadataList (decoded
// for each item's name, namespace, uid and resourceVersion only) in pages of 500 and of 2,000
// objects, and GETs by name of 1% of the
// objects at several concurrencies, no client-side rate limit, and how many GETs take as long as
// one page of the full LIST (the threshold of REREAD_SHARE, packages/dump/src/changed-pages.ts):
//   node test/bench/metadata-list.mjs [objects] [--gets 1,4,8,16]
import { loadavg } from "node:os";
import {
  collectionPath,
  createKubeClient,
  loadConnection,
  METADATA_PROTOBUF_ACCEPT,
  readMetadataPage,
} from "@kubedump/kube";
import { startTestEnv } from "@kubedump/testenv";
import { benchTypes } from "./lib/bench-paths.mjs";
import { seed } from "./lib/seed.mjs";

const args = process.argv.slice(2);
const flag = args.indexOf("--gets");
const CONCURRENCIES = (flag >= 0 ? args.splice(flag, 2)[1] : "1,4,8,16").split(",").map(Number);
const N = Number(args[0] ?? 20000);
const log = (m) => process.stderr.write(`${m}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
log(`load ${load()}`);
const env = await startTestEnv({ progress: (m) => log(`testenv: ${m}`) });
try {
  await seed(loadConnection({ kubeconfig: env.kubeconfig }), { objects: N, namespaces: 10, progress: log });
  const client = createKubeClient({ kubeconfig: env.kubeconfig, qps: 0 });
  const types = await benchTypes(client);
  const JSON_META = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
  const jsonPage = (body) => {
    const page = JSON.parse(body.toString("utf8"));
    return {
      continue: page.metadata.continue || undefined,
      items: (page.items ?? []).map((it) => it.metadata),
    };
  };
  /** Every object of the plan's types: [type, namespace, name], for the GETs. */
  const everything = [];
  async function list(accept, read, limit = 500) {
    const t0 = performance.now();
    let objects = 0;
    let bytes = 0;
    let pages = 0;
    const collect = everything.length === 0 && accept === METADATA_PROTOBUF_ACCEPT;
    for (const rt of types) {
      let cont;
      do {
        const body = await client.requestBody("GET", collectionPath(rt), {
          query: { limit, continue: cont },
          accept,
        });
        bytes += body.length;
        pages++;
        const page = read(body);
        objects += page.items.length;
        if (collect) for (const it of page.items) everything.push([rt, it.namespace, it.name, it.uid]);
        cont = page.continue || undefined;
      } while (cont);
    }
    return { s: +((performance.now() - t0) / 1000).toFixed(3), objects, pages, MB: +(bytes / 1e6).toFixed(1) };
  }
  /** GETs of every 100th object, `concurrency` at once. */
  async function gets(concurrency) {
    const todo = everything.filter((_, i) => i % 100 === 7);
    const n = todo.length;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let x = todo.shift(); x; x = todo.shift()) {
          const [rt, ns, name] = x;
          await client.requestBody("GET", `${collectionPath(rt, ns)}/${encodeURIComponent(name)}`);
        }
      }),
    );
    return { n, s: +((performance.now() - t0) / 1000).toFixed(3) };
  }
  for (let round = 0; round < 3; round++) {
    const full = await list(undefined, jsonPage);
    const jsonMeta = await list(JSON_META, jsonPage);
    const protoMeta = await list(METADATA_PROTOBUF_ACCEPT, readMetadataPage);
    const protoMeta2000 = await list(METADATA_PROTOBUF_ACCEPT, readMetadataPage, 2000);
    const get = {};
    for (const c of CONCURRENCIES) get[`c${c}`] = await gets(c);
    const x = (r) => +(r.s / full.s).toFixed(2);
    // GETs (at the fastest concurrency) that take as long as one full LIST page
    const perGet = Math.min(...Object.values(get).map((g) => g.s / g.n));
    const getsPerPage = +(full.s / full.pages / perGet).toFixed(1);
    console.log(
      JSON.stringify({
        round,
        full,
        jsonMeta: { ...jsonMeta, ratio: x(jsonMeta) },
        protoMeta: { ...protoMeta, ratio: x(protoMeta) },
        protoMeta2000: { ...protoMeta2000, ratio: x(protoMeta2000) },
        gets1pct: get,
        getsPerPage,
        load: load(),
      }),
    );
  }
  client.close();
} finally {
  await env.stop?.();
}
