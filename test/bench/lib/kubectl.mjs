// The kubectl-based dump, as shell backup tools do it: one `kubectl get <resource> -o yaml` per
// resource type (all namespaces with -A, or one call per namespace), output redirected to a file.
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { runCollecting } from "./common.mjs";

const GNU_TIME = "/usr/bin/time";
export const haveGnuTime = () => existsSync(GNU_TIME);

/** `cmd args` under GNU time writing peak RSS and CPU to `rssFile`, when GNU time is there. */
export function timed(cmd, args, rssFile) {
  return haveGnuTime() ? [GNU_TIME, ["-f", "%M %U %S", "-o", rssFile, cmd, ...args]] : [cmd, args];
}

/** What GNU time wrote: peak RSS in bytes and CPU seconds (user + system). */
export function readTimed(rssFile) {
  const [rssKiB, user, sys] = readFileSync(rssFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
  return { maxRss: rssKiB * 1024, cpu: user + sys };
}

/** Runs one command with stdout into `outFile`; resolves with its max RSS in bytes and CPU seconds (if measurable). */
async function runToFile(cmd, args, outFile, env, track) {
  const useTime = haveGnuTime();
  const rssFile = `${outFile}.rss`;
  const [command, argv] = timed(cmd, args, rssFile);
  const fd = openSync(outFile, "w");
  let running;
  try {
    running = runCollecting(command, argv, { stdio: ["ignore", fd, "pipe"], env }, "stderr", track);
  } finally {
    closeSync(fd); // the child has its own copy
  }
  const { code, signal, text } = await running;
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${code ?? signal}: ${text.trim().slice(0, 500)}`);
  if (!useTime) return {};
  const measured = readTimed(rssFile);
  rmSync(rssFile, { force: true });
  return measured;
}

/** Top-level list items of `kubectl get -o yaml` output: lines starting with "- apiVersion:". */
function countItems(file) {
  const text = readFileSync(file, "utf8");
  let n = 0;
  for (let i = text.indexOf("\n- apiVersion: "); i >= 0; i = text.indexOf("\n- apiVersion: ", i + 1)) n++;
  return n;
}

/**
 * @param resources resource[.group] names, as `kubectl api-resources -o name` prints them
 * @param namespaces undefined: `-A` per resource; else one call per resource and namespace
 */
export async function kubectlDump({ kubectl, kubeconfig, resources, namespaces, outDir, track = () => {} }) {
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  const calls = [];
  for (const r of resources) {
    if (namespaces)
      for (const ns of namespaces)
        calls.push({ args: ["get", r, "-n", ns, "-o", "yaml"], file: join(outDir, `${ns}_${r}.yaml`) });
    else calls.push({ args: ["get", r, "-A", "-o", "yaml"], file: join(outDir, `${r}.yaml`) });
  }
  const t0 = performance.now();
  let maxRss;
  let cpu;
  for (const c of calls) {
    const used = await runToFile(kubectl, c.args, c.file, env, track);
    if (used.maxRss !== undefined) maxRss = Math.max(maxRss ?? 0, used.maxRss);
    if (used.cpu !== undefined) cpu = (cpu ?? 0) + used.cpu;
  }
  const seconds = (performance.now() - t0) / 1000;
  // Counted after the clock stopped.
  let objects = 0;
  let bytes = 0;
  for (const c of calls) {
    objects += countItems(c.file);
    bytes += statSync(c.file).size;
  }
  return { objects, bytes, seconds, maxRss, cpu, calls: calls.length };
}
