// Where a second format-2 backup's time goes (1% changed, reuse table in place), in one process:
// node test/bench/experiments/second-backup-phases.mjs [objects] [--prof file.cpuprofile]
import { mkdtempSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { takeSnapshot } from "@kubedump/dump";
import { KubeClient, loadConnection, METADATA_PROTOBUF_ACCEPT } from "@kubedump/kube";
import { openRepository } from "@kubedump/repository";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { startTestEnv } from "@kubedump/testenv";
import { changeObjects } from "../lib/change.mjs";
import { NAMESPACE_PREFIX, seed } from "../lib/seed.mjs";

const args = process.argv.slice(2);
const p = args.indexOf("--prof");
const prof = p >= 0 ? args.splice(p, 2)[1] : undefined;
const N = Number(args[0] ?? 20000);
const log = (m) => process.stderr.write(`${m}\n`);
log(
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
const env = await startTestEnv({ progress: (m) => log(`testenv: ${m}`) });
const conn = loadConnection({ kubeconfig: env.kubeconfig });
/** Times of the metadata LISTs, GETs and full LIST pages of a backup. */
class TimedClient extends KubeClient {
  marks = { first: Infinity, last: 0, metadata: 0, gets: 0, lists: 0 };
  /** [start, end, kind] of every request. */
  spans = [];
  async requestBody(method, path, opts = {}) {
    const t = performance.now();
    this.marks.first = Math.min(this.marks.first, t);
    try {
      return await super.requestBody(method, path, opts);
    } finally {
      this.marks.last = performance.now();
      const kind =
        opts.accept === METADATA_PROTOBUF_ACCEPT
          ? "metadata"
          : opts.tokens === 0
            ? "gets"
            : opts.query?.limit
              ? "lists"
              : "other";
      if (kind !== "other") this.marks[kind]++;
      this.spans.push([t, this.marks.last, kind]);
    }
  }
}

/** Seconds during which a request of each kind (and of metadata and GETs at once) was outstanding. */
function busy(spans) {
  const events = spans.flatMap(([a, b, k]) => [
    [a, 1, k],
    [b, -1, k],
  ]);
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const open = { metadata: 0, gets: 0, lists: 0, other: 0 };
  const out = { any: 0, metadata: 0, gets: 0, lists: 0, other: 0, metadataAndGets: 0 };
  let last = events[0]?.[0] ?? 0;
  for (const [t, d, k] of events) {
    const dt = (t - last) / 1000;
    for (const key of Object.keys(open)) if (open[key] > 0) out[key] += dt;
    if (Object.values(open).some((n) => n > 0)) out.any += dt;
    if (open.metadata > 0 && open.gets > 0) out.metadataAndGets += dt;
    open[k] += d;
    last = t;
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, +v.toFixed(2)]));
}

/** The stretches of at least 10 ms with no request outstanding, as [from s, length s] from t0, longest first. */
function gaps(spans, t0) {
  const sorted = [...spans].sort((x, y) => x[0] - y[0]);
  const out = [];
  let end = t0;
  for (const [a, b] of sorted) {
    if (a - end >= 10) out.push([+((end - t0) / 1000).toFixed(3), +((a - end) / 1000).toFixed(3)]);
    end = Math.max(end, b);
  }
  return out.sort((x, y) => y[1] - x[1]).slice(0, 8);
}
try {
  await seed(conn, { objects: N, namespaces: 10, progress: log });
  const dir = mkdtempSync(join(tmpdir(), "kubedump-phases-"));
  const repository = await openRepository({ format: 2, store: createLocalObjectStore({ root: join(dir, "repo") }) });
  const options = { scope: { type: "cluster" }, includeNamespaces: [`${NAMESPACE_PREFIX}*`] };
  async function backup(label, profile) {
    const client = new TimedClient(conn, { qps: 50, burst: 100 });
    const session = profile ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post("Profiler.enable");
      await session.post("Profiler.start");
    }
    const t0 = performance.now();
    const { manifest, result } = await takeSnapshot(
      { client, repository, indexCacheDir: join(dir, "cache") },
      { options, source: { kind: "cli" } },
    );
    const s = (performance.now() - t0) / 1000;
    if (session) writeFileSync(profile, JSON.stringify((await session.post("Profiler.stop")).profile));
    const m = client.marks;
    client.close();
    console.log(
      JSON.stringify({
        label,
        s: +s.toFixed(2),
        objects: manifest.objects,
        reused: result.reused,
        requests: { metadata: m.metadata, gets: m.gets, lists: m.lists },
        firstRequestAt: +((m.first - t0) / 1000).toFixed(2),
        lastAnswerAt: +((m.last - t0) / 1000).toFixed(2),
        busy: busy(client.spans),
        gaps: gaps(client.spans, t0),
        load: loadavg()[0].toFixed(2),
      }),
    );
  }
  await backup("first");
  for (let round = 1; round <= 3; round++) {
    await changeObjects(conn, { objects: N, namespaces: 10, share: 0.01, round });
    await backup(`second ${round}`, round === 3 ? prof : undefined);
  }
} finally {
  await env.stop?.();
}
