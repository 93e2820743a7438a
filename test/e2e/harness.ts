import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, kubeHttp, type TestEnvInfo } from "@kubedump/testenv";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export type ServiceName = "watcher" | "scheduler" | "dump-worker" | "metrics-gateway";

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

/** Starts `node services/<name>/dist/main.js` as its own OS process; output goes to a log file. */
export function startService(name: ServiceName, env: Record<string, string>, logDir: string, label: string = name): ServiceProcess {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${label}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(process.execPath, [join(ROOT, "services", name, "dist", "main.js")], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env },
    stdio: ["ignore", fd, fd],
  });
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return { name: label, child, logFile, exited };
}

export async function stopService(p: ServiceProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  return p.exited;
}

export interface Stack {
  prefix: string;
  gatewayUrl: string;
  env: Record<string, string>;
  processes: ServiceProcess[];
  logDir: string;
  start(name: ServiceName, label?: string, extra?: Record<string, string>): ServiceProcess;
  stop(): Promise<void>;
}

/** The four services, wired to the test servers, isolated by queue prefix and lease names. */
export async function startStack(t: TestEnvInfo, opts: { prefix: string; logDir: string; workers?: number; extraEnv?: Record<string, string> }): Promise<Stack> {
  const gatewayPort = await freePort();
  const leaseNs = "kubedump-system";
  await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: leaseNs } } });
  const env: Record<string, string> = {
    KUBECONFIG: t.kubeconfig, REDIS_URL: t.redisUrl, QUEUE_PREFIX: opts.prefix, HTTP_HOST: "127.0.0.1", HTTP_PORT: "0",
    LEASE_NAMESPACE: leaseNs, LEASE_DURATION_SECONDS: "4", RESYNC_SECONDS: "5", JOB_LOCK_SECONDS: "5", LOG_LEVEL: "info",
    METRICS_GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`, GATEWAY_KEY_PREFIX: `${opts.prefix}:gateway`,
    ...opts.extraEnv,
  };
  const processes: ServiceProcess[] = [];
  const start = (name: ServiceName, label: string = name, extra: Record<string, string> = {}) => {
    const leaseName = name === "watcher" || name === "scheduler" ? { LEASE_NAME: `${opts.prefix}-${name}` } : {};
    const port = name === "metrics-gateway" ? { PORT: String(gatewayPort), HOST: "127.0.0.1" } : {};
    const p = startService(name, { ...env, ...leaseName, ...port, POD_NAME: `${opts.prefix}-${label}`, ...extra }, opts.logDir, label);
    processes.push(p);
    return p;
  };
  start("metrics-gateway");
  start("watcher");
  start("scheduler");
  for (let i = 0; i < (opts.workers ?? 1); i++) start("dump-worker", `dump-worker-${i}`);
  return {
    prefix: opts.prefix, gatewayUrl: env.METRICS_GATEWAY_URL!, env, processes, logDir: opts.logDir, start,
    stop: async () => {
      await Promise.all(processes.map((p) => stopService(p)));
    },
  };
}

/** Polls `fn` until it returns a value other than undefined, or fails naming what it waited for. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
}
