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
  async requestBody(method, path, opts = {}) {
    const t = performance.now();
    this.marks.first = Math.min(this.marks.first, t);
    try {
      return await super.requestBody(method, path, opts);
    } finally {
      this.marks.last = performance.now();
      if (opts.accept === METADATA_PROTOBUF_ACCEPT) this.marks.metadata++;
      else if (opts.tokens === 0) this.marks.gets++;
      else if (opts.query?.limit) this.marks.lists++;
    }
  }
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
