#!/usr/bin/env node
// Experiment (not a benchmark of record): where a restore's time goes. Seeds N objects into a
// source cluster, backs them up once, then restores into fresh clusters in-process with different
// concurrencies, counting requests by method and timing the phases.
//   node test/bench/experiments/restore-concurrency.mjs --objects 5000 --concurrency 16,48 --repeat 2
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { parseArgs } from "node:util";
import { createKubeClient, loadConnection } from "@kubedump/kube";
import { openRepositoryFromBackend } from "@kubedump/repository";
import { restoreSnapshot } from "@kubedump/restore";
import { startExtraCluster } from "@kubedump/testenv";
import { backupBenchNamespaces } from "../lib/restore-runs.mjs";
import { seed } from "../lib/seed.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const { values: a } = parseArgs({
  options: {
    objects: { type: "string", default: "5000" },
    concurrency: { type: "string", default: "16,48" },
    repeat: { type: "string", default: "1" },
    sockets: { type: "string" },
    profile: { type: "string" },
  },
});
const N = Number(a.objects);
const log = (m) => process.stderr.write(`exp: ${m}\n`);
const work = mkdtempSync(join(tmpdir(), "kubedump-exp-"));
const track = () => {};

const source = await startExtraCluster();
const s = await seed(loadConnection({ kubeconfig: source.kubeconfig }), { objects: N, namespaces: 10, progress: log });
log(`ceiling ${Math.round(s.rate)}/s`);
const repo = join(work, "repo");
const { id } = await backupBenchNamespaces(repo, source.kubeconfig, { root: ROOT, work, track });
await source.stop();
const repository = await openRepositoryFromBackend({ backend: { local: { path: repo } }, secret: {} });

for (let r = 0; r < Number(a.repeat); r++) {
  for (const c of a.concurrency.split(",").map(Number)) {
    const target = await startExtraCluster();
    const client = createKubeClient({ kubeconfig: target.kubeconfig, qps: 5000, burst: 10000 });
    client.agent.maxSockets = Number(a.sockets ?? c);
    const counts = {};
    const orig = client.requestBody.bind(client);
    client.requestBody = (m, p, o) => {
      counts[m] = (counts[m] ?? 0) + 1;
      return orig(m, p, o);
    };
    const phases = [];
    let last;
    const session = a.profile ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post("Profiler.enable");
      await session.post("Profiler.start");
    }
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const report = await restoreSnapshot({
      client,
      repository,
      snapshotId: id,
      options: { concurrency: c },
      onProgress: (p) => {
        const key = `${p.phase}:${p.step}`;
        if (key !== last) {
          phases.push([key, Math.round(performance.now() - t0)]);
          last = key;
        }
      },
    });
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    log(
      `  client CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (user ${(cpu.user / 1e6).toFixed(1)}, system ${(cpu.system / 1e6).toFixed(1)})`,
    );
    if (session) {
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(`${a.profile}-c${c}-r${r}.cpuprofile`, JSON.stringify(profile));
      session.disconnect();
    }
    log(
      `c=${c}: ${secs.toFixed(1)} s ${Math.round(N / secs)}/s totals ${JSON.stringify(report.totals())} requests ${JSON.stringify(counts)}`,
    );
    log(`  phases ${phases.map(([k, t]) => `${k}@${t}`).join(" ")}`);
    client.close();
    await target.stop();
  }
}
