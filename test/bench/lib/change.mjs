// Changes a share of the seeded objects in place (test/bench/incremental.mjs): a JSON merge patch
// of one annotation per object, spread over every namespace and type of the seed's mix.
import { request as httpRequest } from "node:http";
import { Agent, request } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { objectFor } from "./seed.mjs";

/**
 * The seed indices changed in `round`: `count` of them, one in each of `count` even stretches of
 * 0..objects-1, at an offset that moves with k (so every namespace, i % namespaces, and type,
 * i % 20, gets its share) and with the round.
 */
export function changedIndices(round, count, objects) {
  const step = objects / count;
  const span = Math.max(1, Math.floor(step));
  return Array.from({ length: count }, (_, k) => (Math.floor(k * step) + ((k + round * 7919) % span)) % objects);
}

function patch(conn, auth, agent, path, body) {
  const url = new URL(conn.server + path);
  const payload = Buffer.from(JSON.stringify(body));
  const opts = {
    ...auth,
    method: "PATCH",
    agent: url.protocol === "https:" ? agent : undefined,
    headers: { ...auth.headers, "content-type": "application/merge-patch+json", "content-length": payload.length },
  };
  return new Promise((done, fail) => {
    const req = (url.protocol === "https:" ? request : httpRequest)(url, opts, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => done({ status: res.statusCode, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", fail);
    });
    req.on("error", fail);
    req.end(payload);
  });
}

async function patchOne(conn, auth, agent, i, namespaces, round) {
  const { path, body } = objectFor(i, namespaces);
  const at = `${path}/${body.metadata.name}`;
  const change = { metadata: { annotations: { "bench.kubedump.io/changed": `round-${round}` } } };
  for (let attempt = 0; ; attempt++) {
    const res = await patch(conn, auth, agent, at, change).catch((err) => ({ status: 0, text: String(err) }));
    if (res.status === 200) return;
    if ((res.status === 0 || res.status === 429 || res.status >= 500) && attempt < 5) {
      await sleep(200 * 2 ** attempt);
      continue;
    }
    throw new Error(`patching ${at}: ${res.status} ${res.text.slice(0, 300)}`);
  }
}

/** Patches `share` (0.01 = 1%) of the `objects` seeded objects for `round`; resolves with the count and seconds. */
export async function changeObjects(conn, { objects, namespaces, share, round, concurrency = 32 }) {
  const indices = changedIndices(round, Math.max(1, Math.round(objects * share)), objects);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const auth = { headers: {} };
  await conn.apply(auth);
  if (conn.skipTLSVerify) auth.rejectUnauthorized = false;
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < indices.length; k = next++)
      await patchOne(conn, auth, agent, indices[k], namespaces, round);
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return { changed: indices.length, seconds: (performance.now() - t0) / 1000 };
}
