// The restore benchmark's measured runs (test/bench/restore.mjs): kubectl create, kubectl apply
// --server-side and kubedump restore, each a process under GNU time writing into its own cluster.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCollecting } from "./common.mjs";
import { NAMESPACE_PREFIX } from "./seed.mjs";
import { haveGnuTime, readTimed, timed } from "./kubectl.mjs";

/**
 * Runs `cmd args` with stdout collected; wall time from outside, peak RSS and CPU from GNU time
 * (its file in `work`). Resolves with the exit code and the stdout and stderr text.
 */
export async function runTimed(name, cmd, args, { work, env, track }) {
  const rssFile = join(work, `${name}.rss`);
  const [command, argv] = timed(cmd, args, rssFile);
  const t0 = performance.now();
  let stderr = "";
  const running = runCollecting(command, argv, { stdio: ["ignore", "pipe", "pipe"], env }, "stdout", (child) => {
    track(child);
    child?.stderr.on("data", (c) => {
      stderr += c;
    });
  });
  const { code, signal, text } = await running;
  const seconds = (performance.now() - t0) / 1000;
  const measured = haveGnuTime() ? readTimed(rssFile) : {};
  return { code: code ?? signal, stdout: text, stderr, seconds, ...measured };
}

/** `kubectl create -R -f tree` or `kubectl apply --server-side -R -f tree` into `kubeconfig`'s cluster. */
export function kubectlWrite(how, { kubectl, kubeconfig, tree, work, track }) {
  const verb = how === "create" ? ["create"] : ["apply", "--server-side"];
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  return runTimed(`kubectl-${how}`, kubectl, [...verb, "-R", "-f", tree, "-o", "name"], { work, env, track });
}

/** The kubedump CLI: `kubedump <args>` (the built bin), in `root`, its cache (--cache-dir) in `work`; `nodeArgs` before the bin. */
export function kubedumpCli(name, args, { root, work, track }, nodeArgs = []) {
  return runTimed(name, process.execPath, [...nodeArgs, join(root, "packages/cli/bin/kubedump.js"), ...args], {
    work,
    env: { ...process.env, KUBEDUMP_CACHE_DIR: join(work, "kubedump-cache") },
    track,
  });
}

/** `kubedump backup` of the bench namespaces of `kubeconfig`'s cluster into `repo`: the snapshot's manifest. */
export async function backupBenchNamespaces(repo, kubeconfig, ctx) {
  const args = ["backup", "--repo", repo, "--kubeconfig", kubeconfig, "--include-namespaces", `${NAMESPACE_PREFIX}*`];
  const backup = await kubedumpCli("backup", [...args, "-o", "json"], ctx);
  if (backup.code !== 0) throw new Error(`kubedump backup exited ${backup.code}: ${backup.stderr.slice(-1000)}`);
  return JSON.parse(backup.stdout);
}

/** The created count of a restore report's TOTAL row (TYPE CREATED UPDATED … FAILED). */
export function restoredCounts(report) {
  const header = report.split("\n").find((l) => l.startsWith("TYPE"));
  const total = report.split("\n").find((l) => l.startsWith("TOTAL"));
  if (!header || !total) return {};
  const names = header.trim().split(/\s+/).slice(1);
  const values = total.trim().split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((n, i) => [n.toLowerCase(), values[i]]));
}

/**
 * Creates the bench namespaces bench-0..count-1 in `kubeconfig`'s cluster with kubectl, not timed:
 * a backup of `bench-*` holds their objects, not the cluster-scoped Namespace objects themselves.
 */
export async function createBenchNamespaces(count, { kubectl, kubeconfig, work, track }) {
  const file = join(work, "namespaces.json");
  const items = Array.from({ length: count }, (_, i) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: `${NAMESPACE_PREFIX}${i}` },
  }));
  writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items }));
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  const { code, stderr } = await runTimed("namespaces", kubectl, ["create", "-f", file], { work, env, track });
  if (code !== 0) throw new Error(`kubectl create namespace exited ${code}: ${stderr}`);
}
