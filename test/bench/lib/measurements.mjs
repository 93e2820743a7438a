// The measurements of the dump benchmark (test/bench/dump.mjs), in the order that keeps them fair.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "./cli-run.mjs";
import { fmt } from "./common.mjs";
import { kubectlDump } from "./kubectl.mjs";

/**
 * Measures the raw LIST, kubedump (and with --cli the CLI) `RUNS` times, interleaved in ABBA
 * order, then the kubectl-based dump `KUBECTL_RUNS` times; resolves with the runs of each.
 * `ctx`: options (parseDumpOptions), kubeconfig, kubectl, root, work, types and benchNamespaces
 * (what the dump covers), rawCfg and kubedumpCfg(run) (the children's configs), runChild(script,
 * cfg), watch (createServerWatch), track (the running child, for the cleanup) and log.
 */
export async function measureAll(ctx) {
  const { args, RUNS } = ctx.options;
  const results = { raw: [], kubedump: [], cli: [], kubectl: [] };
  const measurements = measurementsOf(ctx);
  const order = ["raw", "kubedump", ...(args.cli ? ["cli"] : [])];
  for (let run = 1; run <= RUNS; run++) {
    const tag = RUNS > 1 ? ` (run ${run}/${RUNS})` : "";
    // ABBA: odd runs raw first, even runs raw last. Whatever recurs once per pair of measurements
    // (kube-apiserver's garbage collection here, docs/benchmarks.md) then falls on both sides.
    for (const what of run % 2 ? order : [...order].reverse()) results[what].push(await measurements[what](run, tag));
  }
  // kubectl last: measured in between, its runs left the API server answering the next LISTs
  // 1.5–2x slower, which penalised whatever came after them.
  if (!args["skip-kubectl"]) results.kubectl = await measureKubectl(ctx);
  return results;
}

/** One run of the raw LIST, of kubedump and of the CLI, each logged. */
function measurementsOf({ options, kubeconfig, root, work, rawCfg, kubedumpCfg, runChild, watch, track, log }) {
  const { withServer, serverNote } = watch;
  return {
    raw: async (_run, tag) => {
      const raw = await withServer(() => runChild("raw-list-child.mjs", rawCfg));
      log(
        `raw LIST${tag}: ${raw.objects} objects, ${raw.seconds.toFixed(2)} s, ${Math.round(raw.objects / raw.seconds)} objects/s, RSS ${fmt.mib(raw.maxRss)} MiB${serverNote(raw)}`,
      );
      return raw;
    },
    kubedump: async (run, tag) => {
      const kd = await withServer(() => runChild("kubedump-child.mjs", kubedumpCfg(run)));
      rmSync(join(work, `repo-${run}`), { recursive: true, force: true });
      log(
        `kubedump${tag}: ${kd.objects} objects, ${kd.seconds.toFixed(2)} s, ${Math.round(kd.objects / kd.seconds)} objects/s, RSS ${fmt.mib(kd.maxRss)} MiB` +
          ` (heap peak ${fmt.mib(kd.memory.heapUsed)} MiB, external ${fmt.mib(kd.memory.external)} MiB)${serverNote(kd)}`,
      );
      if (kd.warnings.length) log(`kubedump warnings: ${kd.warnings.join("; ")}`);
      return kd;
    },
    cli: async (run, tag) => {
      const repo = join(work, `cli-repo-${run}`);
      const { QPS: qps, BURST: burst } = options;
      const cli = await withServer(() => runCli(kubeconfig, repo, { root, work, qps, burst, track }));
      rmSync(repo, { recursive: true, force: true });
      log(
        `kubedump CLI${tag}: ${cli.objects} objects, ${cli.seconds.toFixed(2)} s, RSS ${fmt.mib(cli.maxRss)} MiB${serverNote(cli)}`,
      );
      return cli;
    },
  };
}

/** The kubectl-based dump, `KUBECTL_RUNS` times, each logged. */
async function measureKubectl({ options, kubectl, kubeconfig, work, types, benchNamespaces, watch, track, log }) {
  const { args, KUBECTL_RUNS } = options;
  const runs = [];
  for (let run = 1; run <= KUBECTL_RUNS; run++) {
    const tag = KUBECTL_RUNS > 1 ? ` (run ${run}/${KUBECTL_RUNS})` : "";
    const outDir = join(work, `kubectl-${run}`);
    mkdirSync(outDir);
    const kc = await watch.withServer(() =>
      kubectlDump({
        kubectl,
        kubeconfig,
        outDir,
        track,
        resources: types.map((t) => t.key),
        namespaces: args["kubectl-scope"] === "namespaces" ? benchNamespaces : undefined,
      }),
    );
    rmSync(outDir, { recursive: true, force: true });
    runs.push(kc);
    log(
      `kubectl${tag}: ${kc.objects} objects, ${kc.calls} calls, ${kc.seconds.toFixed(2)} s, RSS ${fmt.mib(kc.maxRss)} MiB${watch.serverNote(kc)}`,
    );
  }
  return runs;
}
