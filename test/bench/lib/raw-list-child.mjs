// Measurement child: the raw paged LIST (the ceiling). For each collection path, GET pages of
// `limit` objects over one keep-alive HTTPS connection, JSON.parse each page, and nothing else.
import { request as httpRequest } from "node:http";
import { Agent, request } from "node:https";
import { loadConnection } from "@kubedump/kube";
import { childConfig, cpuSeconds, emitResult, maxRssBytes, memorySampler } from "./common.mjs";

const cfg = childConfig();
const mem = memorySampler();
const conn = loadConnection({ kubeconfig: cfg.kubeconfig });
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

async function get(path, query) {
  const url = new URL(conn.server + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  const opts = {
    method: "GET",
    agent: url.protocol === "https:" ? agent : undefined,
    headers: { accept: "application/json" },
  };
  await conn.apply(opts);
  if (conn.skipTLSVerify) opts.rejectUnauthorized = false;
  return new Promise((done, fail) => {
    const req = (url.protocol === "https:" ? request : httpRequest)(url, opts, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode !== 200)
          fail(new Error(`GET ${url.pathname}: ${res.statusCode} ${body.toString("utf8").slice(0, 300)}`));
        else done(body);
      });
      res.on("error", fail);
    });
    req.on("error", fail);
    req.end();
  });
}

const t0 = performance.now();
const cpu0 = cpuSeconds();
let objects = 0;
let bytes = 0;
let pages = 0;
const perResource = {};
for (const path of cfg.paths) {
  let cont;
  do {
    const body = await get(path, { limit: cfg.limit, continue: cont });
    bytes += body.length;
    pages++;
    const page = JSON.parse(body.toString("utf8"));
    objects += page.items.length;
    perResource[path] = (perResource[path] ?? 0) + page.items.length;
    cont = page.metadata?.continue || undefined;
  } while (cont);
}
const seconds = (performance.now() - t0) / 1000;
agent.destroy();
emitResult({
  objects,
  bytes,
  pages,
  seconds,
  maxRss: maxRssBytes(),
  cpu: cpuSeconds() - cpu0,
  memory: mem.stop(),
  perResource,
});
