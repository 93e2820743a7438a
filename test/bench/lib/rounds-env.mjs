// Shared by the experiments that compare builds or formats in rounds on one seeded private test
// environment (test/bench/experiments/full-backup-rounds.mjs, second-backup-rounds.mjs,
// restore-read.mjs).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConnection } from "@kubedump/kube";
import { startTestEnv } from "@kubedump/testenv";
import { seed } from "./seed.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * A private test environment, stopped at the end (`stopAtEnd`), its MinIO's credentials in the
 * environment for the CLIs, and `objects` of seed.mjs over 10 namespaces: its connection too.
 */
export async function startSeededEnv({ objects, log, stopAtEnd }) {
  const env = await startTestEnv({ progress: (m) => log(`testenv: ${m}`) });
  stopAtEnd(env);
  process.env.AWS_ACCESS_KEY_ID = env.accessKey;
  process.env.AWS_SECRET_ACCESS_KEY = env.secretKey;
  const conn = loadConnection({ kubeconfig: env.kubeconfig });
  await seed(conn, { objects, namespaces: 10, progress: log });
  return { env, conn };
}

/** The `--repo` URL of `prefix` in `bucket` of the environment's MinIO. */
export const s3RepoUrl = (env, bucket, prefix) =>
  `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(env.s3Endpoint)}&region=us-east-1`;

/** Node flags that make each CLI report its main thread's CPU and GC time at exit (main-thread-cpu.cjs), then `extra` ("--cpu-prof ..."). */
export const mainThreadCpuArgs = (extra) => [
  "--require",
  join(HERE, "main-thread-cpu.cjs"),
  ...extra.split(" ").filter(Boolean),
];

/** Adds to a CLI run `r` the main thread's and all threads' CPU-s, GC s, each thread's CPU-s and the GCs by kind it reported on stderr (mainThreadCpuArgs). */
export function readThreadCpu(r) {
  const threads = /F2FULL main=([\d.]+) all=([\d.]+) gc=([\d.]+)(?: threads=(\S*) gcs=(\S*))?/.exec(r.stderr);
  if (threads) {
    [r.mainCpu, r.allCpu, r.gc] = threads.slice(1, 4).map(Number);
    [r.threads, r.gcKinds] = [threads[4], threads[5]];
  }
  return r;
}
