// The dump benchmark's command line (test/bench/dump.mjs): its usage, its defaults and their checks.
import { parseArgs } from "node:util";
import { DEFAULT_BURST, DEFAULT_QPS } from "@kubedump/kube";

export const USAGE = `usage: npm run bench:dump -- [options]

  --objects N            objects to seed (default 20000)
  --namespaces K         spread over namespaces bench-0..K-1 (default 10)
  --qps Q --burst B      kubedump's client-side rate limit (default ${DEFAULT_QPS}/${DEFAULT_BURST}; --qps 0: unlimited)
  --runs R               measure raw LIST, kubedump (and the CLI) R times, interleaved in ABBA
                         order (raw first in odd runs, last in even ones); report the median time,
                         and the raw LIST ratio pooled over the runs (default 6: single runs on a
                         shared machine vary by 1.3x)
  --kubectl-runs R       measure the kubectl-based dump R times, after the others (default 1)
  --page-size P          objects per page of the raw LIST (default 500, as kubedump)
  --kubectl-scope S      all: kubectl get <r> -A per resource (default);
                         namespaces: kubectl get <r> -n <ns> per resource and bench namespace
  --cli                  also measure the kubedump CLI (node packages/cli/bin/kubedump.js backup)
  --cpu-prof             after measuring, profile one more kubedump run and summarise it
  --prof-dir DIR         where the .cpuprofile goes (default: a temp dir, kept)
  --skip-kubectl         leave out the kubectl-based dump
  --seed-concurrency C   requests in flight while seeding (default 48)
  --seed                 with KUBECONFIG set: seed that cluster too (idempotent)
  --json FILE            also write the results as JSON
  --keep                 keep the test environment up after measuring (until Ctrl-C); writes an env file
  --help

Without KUBECONFIG, a private kube-apiserver + etcd (+ MinIO, Redis) is started on 127.0.0.1 and
stopped at the end (also on Ctrl-C). With KUBECONFIG, that cluster is measured, restricted to the
namespaces bench-*, and nothing is seeded unless --seed is given.`;

/** The options and their defaults, for parseArgs. */
const OPTIONS = {
  objects: { type: "string", default: "20000" },
  namespaces: { type: "string", default: "10" },
  qps: { type: "string" },
  burst: { type: "string" },
  runs: { type: "string", default: "6" },
  "kubectl-runs": { type: "string", default: "1" },
  "page-size": { type: "string", default: "500" },
  "kubectl-scope": { type: "string", default: "all" },
  cli: { type: "boolean", default: false },
  "cpu-prof": { type: "boolean", default: false },
  "prof-dir": { type: "string" },
  "skip-kubectl": { type: "boolean", default: false },
  "seed-concurrency": { type: "string", default: "48" },
  seed: { type: "boolean", default: false },
  json: { type: "string" },
  keep: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
};

/**
 * The options of `argv` (the arguments after the script), checked: on --help this prints the
 * usage and exits 0, on a bad value it names the option and exits 2.
 */
export function parseDumpOptions(argv) {
  const { values: args } = parseArgs({
    args: argv.filter((a, i) => !(i === 0 && a === "--")),
    options: OPTIONS,
  });
  if (args.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name, min = 0) => {
    const v = Number(args[name]);
    if (!Number.isInteger(v) || v < min) {
      console.error(`--${name} "${args[name]}": an integer >= ${min}\n\n${USAGE}`);
      process.exit(2);
    }
    return v;
  };
  const N = int("objects", 1);
  const K = int("namespaces", 1);
  const RUNS = int("runs", 1);
  const KUBECTL_RUNS = int("kubectl-runs", 1);
  const PAGE_SIZE = int("page-size", 1);
  const SEED_CONCURRENCY = int("seed-concurrency", 1);
  const QPS = args.qps === undefined ? undefined : Number(args.qps);
  const BURST = args.burst === undefined ? undefined : int("burst", 1);
  if (QPS !== undefined && !(QPS >= 0)) {
    console.error(`--qps "${args.qps}": a number >= 0`);
    process.exit(2);
  }
  if (!["all", "namespaces"].includes(args["kubectl-scope"])) {
    console.error(`--kubectl-scope "${args["kubectl-scope"]}": all or namespaces`);
    process.exit(2);
  }
  return { args, N, K, RUNS, KUBECTL_RUNS, PAGE_SIZE, SEED_CONCURRENCY, QPS, BURST };
}
