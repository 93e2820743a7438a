// Measurement child: a kubedump backup to a fresh local repository, through the real code path
// (takeSnapshot: discover → paged LIST → filter → sanitize → YAML → tar.gz parts → commit).
import { tuneV8ForDumps } from "@kubedump/dump/v8-tuning";

// kubedump's processes (the CLI, the dump worker) tune V8 before their code loads; so does this
// child (static imports would load first, so the rest is imported dynamically).
tuneV8ForDumps();
const { takeSnapshot } = await import("@kubedump/dump");
const { createKubeClient } = await import("@kubedump/kube");
const { openRepository } = await import("@kubedump/repository");
const { createLocalObjectStore } = await import("@kubedump/repository/local");
const { childConfig, cpuSeconds, emitResult, maxRssBytes, memorySampler } = await import("./common.mjs");
const cfg = childConfig();
const mem = memorySampler();
const t0 = performance.now();
const cpu0 = cpuSeconds();
const client = createKubeClient({ kubeconfig: cfg.kubeconfig, qps: cfg.qps, burst: cfg.burst });
const repository = await openRepository({ store: createLocalObjectStore({ root: cfg.repo }) });
let listedAt;
try {
  const { manifest, result } = await takeSnapshot(
    {
      client,
      repository,
      scratchDir: cfg.scratchDir,
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
    parts: manifest.parts.length,
    warnings: manifest.warnings,
    failedResources: result.failedResources,
    counts: manifest.counts,
    seconds,
    // From the start until the last object went into the archive; the rest is the upload/commit.
    dumpSeconds: listedAt === undefined ? undefined : (listedAt - t0) / 1000,
    maxRss: maxRssBytes(),
    cpu: cpuSeconds() - cpu0,
    memory: mem.stop(),
  });
} finally {
  client.close();
}
