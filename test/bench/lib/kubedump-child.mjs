// Measurement child: a kubedump backup to a fresh local repository, through the real code path
// (takeSnapshot: discover → paged LIST → filter → sanitize → YAML → archive → commit), in
// repository format `cfg.format` (1: tar.gz parts; 2: packs, with a fresh cache directory as the
// CLI's `--repository-format 2` has; none: openRepository's default, without a cache directory), with the packages of the checkout `cfg.root` (default: this one).
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PerformanceObserver } from "node:perf_hooks";
import { childConfig, cpuSeconds, emitResult, maxRssBytes, memorySampler, threadCpuSeconds } from "./common.mjs";

const cfg = childConfig();
const root = resolve(cfg.root ?? fileURLToPath(new URL("../../..", import.meta.url)));
const requireFrom = createRequire(join(root, "package.json"));
/** A package of `root`'s build (another checkout's, to compare two builds). */
const load = (specifier) => import(pathToFileURL(requireFrom.resolve(specifier)).href);

// kubedump's processes (the CLI, the dump worker) tune V8 before their code loads; so does this
// child (the packages are imported dynamically, after it).
(await load("@kubedump/dump/v8-tuning")).tuneV8ForDumps();
const { takeSnapshot } = await load("@kubedump/dump");
const { createKubeClient } = await load("@kubedump/kube");
const { openRepository } = await load("@kubedump/repository");
const { createLocalObjectStore } = await load("@kubedump/repository/local");
// undefined: openRepository's default for a new repository, as bench:dump has always measured
const { format } = cfg;
if (format !== undefined && format !== 1 && format !== 2) throw new Error(`format ${format}: 1 or 2`);
const mem = memorySampler();
let gcMs = 0;
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ["gc"] });
const main0 = threadCpuSeconds();
const t0 = performance.now();
const cpu0 = cpuSeconds();
const client = createKubeClient({ kubeconfig: cfg.kubeconfig, qps: cfg.qps, burst: cfg.burst });
const repository = await openRepository({ store: createLocalObjectStore({ root: cfg.repo }), format });
const indexCacheDir = format === 2 ? mkdtempSync(join(cfg.scratchDir, "cache-")) : undefined;
let listedAt;
try {
  const { manifest, result } = await takeSnapshot(
    {
      client,
      repository,
      scratchDir: cfg.scratchDir,
      indexCacheDir,
      onProgress: (p) => {
        if (p.resource === "" && listedAt === undefined) listedAt = performance.now();
      },
    },
    {
      // A cluster backup restricted to the bench namespaces, as `kubedump backup --include-namespaces 'bench-*'`.
      options: cfg.scope
        ? { scope: cfg.scope }
        : { scope: { type: "cluster" }, includeNamespaces: cfg.includeNamespaces },
      source: { kind: "cli" },
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  emitResult({
    objects: manifest.objects,
    bytes: manifest.bytes,
    storedBytes: manifest.storedBytes,
    parts: manifest.parts?.length,
    warnings: manifest.warnings,
    failedResources: result.failedResources,
    counts: manifest.counts,
    seconds,
    // From the start until the last object went into the archive; the rest is the upload/commit.
    dumpSeconds: listedAt === undefined ? undefined : (listedAt - t0) / 1000,
    maxRss: maxRssBytes(),
    cpu: cpuSeconds() - cpu0,
    mainCpu: threadCpuSeconds() - main0,
    gc: gcMs / 1000,
    memory: mem.stop(),
  });
} finally {
  client.close();
}
