// The kubedump CLI as a user runs it, measured by the dump benchmark (test/bench/dump.mjs --cli).
import { join } from "node:path";
import { runCollecting } from "./common.mjs";
import { haveGnuTime, readTimed, timed } from "./kubectl.mjs";
import { NAMESPACE_PREFIX } from "./seed.mjs";

/**
 * One `kubedump backup` of the bench namespaces into `repo`; wall time from outside, peak RSS
 * from GNU time (its file in `work`). `track` as runCollecting takes it.
 */
export async function runCli(kubeconfig, repo, { root, work, qps, burst, track }) {
  const cliArgs = [
    join(root, "packages/cli/bin/kubedump.js"),
    "backup",
    "--repo",
    repo,
    "--include-namespaces",
    `${NAMESPACE_PREFIX}*`,
    "--kubeconfig",
    kubeconfig,
    "-o",
    "json",
    ...(qps !== undefined ? ["--qps", String(qps)] : []),
    ...(burst !== undefined ? ["--burst", String(burst)] : []),
  ];
  const rssFile = join(work, "cli.rss");
  const [cmd, argv] = timed(process.execPath, cliArgs, rssFile);
  const t0 = performance.now();
  const { code, text } = await runCollecting(
    cmd,
    argv,
    { stdio: ["ignore", "pipe", "ignore"], cwd: root },
    "stdout",
    track,
  );
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`kubedump backup exited ${code}: ${text.slice(-1000)}`);
  const manifest = JSON.parse(text);
  const { maxRss, cpu } = haveGnuTime() ? readTimed(rssFile) : {};
  return { objects: manifest.objects, bytes: manifest.bytes, storedBytes: manifest.storedBytes, seconds, maxRss, cpu };
}
