import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary } from "./binaries.js";
import { startCluster, stopAll } from "./cluster.js";
import { createPki, type Pki } from "./pki.js";
import type { ServerProcess } from "./process.js";
import type { KubeApiServer } from "./servers/kube-apiserver.js";
import { type Minio, startMinio } from "./servers/minio.js";
import { type Redis, startRedis } from "./servers/redis.js";

/** What tests and the demo need to reach the servers; also what the env file holds. */
export interface TestEnvInfo {
  dir: string;
  kubeconfig: string;
  kubeApiUrl: string;
  /** etcd's client URL (JSON gateway at /v3/…), e.g. to compact history in tests. */
  etcdUrl: string;
  caPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  redisUrl: string;
  s3Endpoint: string;
  accessKey: string;
  secretKey: string;
  kubectl: string;
  helm: string;
  /** Prometheus' promtool, for checking alert rules. */
  promtool: string;
  /** Whether kube-controller-manager runs (`up --controllers`). */
  controllers: boolean;
  pids: number[];
}

export interface TestEnv extends TestEnvInfo {
  pki: Pki;
  apiserver: KubeApiServer;
  minio: Minio;
  redis: Redis;
  /** Stops every server it started; safe to call twice. */
  stop(): Promise<void>;
}

export interface TestEnvOptions {
  /** Keep the temporary directory after stop (for debugging). */
  keepDir?: boolean;
  /** Also run kube-controller-manager: garbage collection, namespace deletion, workload controllers. */
  controllers?: boolean;
  progress?: (message: string) => void;
}

export async function startTestEnv(opts: TestEnvOptions = {}): Promise<TestEnv> {
  const progress = opts.progress ?? ((m: string) => process.stderr.write(`testenv: ${m}\n`));
  const dir = mkdtempSync(join(tmpdir(), "kubedump-testenv-"));
  const started: ServerProcess[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // The API server goes before etcd; the rest have no order.
    await stopAll(started, progress);
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [kubectl, helm, promtool] = [
      await ensureBinary("kubectl"),
      await ensureBinary("helm"),
      await ensureBinary("promtool"),
    ];
    await ensureBinary("kube-apiserver");
    await ensureBinary("minio");
    await ensureBinary("etcd");
    if (opts.controllers) await ensureBinary("kube-controller-manager");
    const pki = createPki(dir);
    const t0 = Date.now();
    const track = <T extends { process: ServerProcess }>(server: T): T => {
      started.push(server.process);
      return server;
    };
    const [redis, minio, cluster] = await Promise.all([
      startRedis(dir).then(track),
      startMinio(dir).then(track),
      startCluster(dir, pki, { controllers: opts.controllers }).then((c) => {
        started.push(...c.processes);
        return c;
      }),
    ]);
    const { apiserver } = cluster;
    progress(`servers ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (dir ${dir})`);
    return {
      dir,
      kubeconfig: apiserver.kubeconfigPath,
      kubeApiUrl: apiserver.url,
      etcdUrl: cluster.etcdUrl,
      caPem: apiserver.caPem,
      adminCertPem: apiserver.admin.certPem,
      adminKeyPem: apiserver.admin.keyPem,
      redisUrl: redis.url,
      s3Endpoint: minio.endpoint,
      accessKey: minio.accessKey,
      secretKey: minio.secretKey,
      kubectl,
      helm,
      promtool,
      controllers: opts.controllers ?? false,
      pids: started.map((p) => p.pid),
      pki,
      apiserver,
      minio,
      redis,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The env file of `kubedump-testenv up`: shell-sourceable KEY=value lines. */
export function envFileText(env: TestEnvInfo): string {
  const vars: Record<string, string> = {
    KUBECONFIG: env.kubeconfig,
    REDIS_URL: env.redisUrl,
    S3_ENDPOINT: env.s3Endpoint,
    AWS_ACCESS_KEY_ID: env.accessKey,
    AWS_SECRET_ACCESS_KEY: env.secretKey,
    KUBECTL: env.kubectl,
    HELM: env.helm,
    KUBEDUMP_TESTENV_DIR: env.dir,
    KUBEDUMP_TESTENV_PIDS: env.pids.join(","),
  };
  return Object.entries(vars)
    .map(([k, v]) => `${k}='${v.replaceAll("'", "'\\''")}'`)
    .join("\n")
    .concat("\n");
}

export function writeEnvFile(path: string, env: TestEnvInfo): void {
  writeFileSync(`${path}.tmp`, envFileText(env), { mode: 0o600 });
  // Rename, so a reader polling for the file never sees half of it.
  renameSync(`${path}.tmp`, path);
}

/** The plain-data part of a TestEnv, as handed to test workers. */
export function toInfo(env: TestEnv): TestEnvInfo {
  const { pki: _p, apiserver: _a, minio: _m, redis: _r, stop: _s, ...info } = env;
  return info;
}
