import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { kubeconfig, kubeHttp, runLogDir, startToxiproxy, type TestEnvInfo, type Toxiproxy } from "@kubedump/testenv";
import { inject } from "vitest";
import { crUrl, E2E_BUCKET, type ServiceProcess } from "./harness.js";

/** Toxiproxy for one test file, with proxies in front of the test servers. */
export interface FaultProxies {
  toxiproxy: Toxiproxy;
  /** Where Toxiproxy logs (`toxiproxy.log`) and the proxies' kubeconfigs live. */
  dir: string;
  /** A proxy in front of the API server (`https://<listen>`) and an admin kubeconfig that goes through it. */
  api(name: string): Promise<{ name: string; kubeconfig: string; listen: string }>;
  /** A proxy in front of MinIO: its endpoint (`http://127.0.0.1:<port>`) is a Repository's spec.backend.s3.endpoint. */
  minio(name: string): Promise<{ name: string; endpoint: string }>;
  /** A proxy in front of a Redis on `port` (the test servers' by default); the URL carries `password`. */
  redis(name: string, port?: number, password?: string): Promise<{ name: string; url: string }>;
  /** The proxy unreachable for `ms` (listener closed, open connections dropped), then back on the same port. */
  outage(name: string, ms: number): Promise<void>;
  /** Toxiproxy's log lines about a proxy that contain `message`, e.g. "Accepted client". */
  logLines(name: string, message: string): string[];
  stop(): Promise<void>;
}

const hostPort = (url: string) => new URL(url).host;
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startFaultProxies(t: TestEnvInfo): Promise<FaultProxies> {
  const dir = mkdtempSync(join(tmpdir(), "kubedump-faults-"));
  const toxiproxy = await startToxiproxy(dir);
  const { client } = toxiproxy;
  return {
    toxiproxy,
    dir,
    async api(name) {
      const proxy = await client.createProxy(name, hostPort(t.kubeApiUrl));
      const file = join(dir, `${name}.kubeconfig`);
      // The serving certificate names 127.0.0.1, whatever the port: TLS goes through unchanged.
      writeFileSync(file, kubeconfig(`https://${proxy.listen}`, t.caPem, t.adminCertPem, t.adminKeyPem), {
        mode: 0o600,
      });
      return { name, kubeconfig: file, listen: proxy.listen };
    },
    async minio(name) {
      const proxy = await client.createProxy(name, hostPort(t.s3Endpoint));
      return { name, endpoint: `http://${proxy.listen}` };
    },
    async redis(name, port = Number(new URL(t.redisUrl).port), password) {
      const proxy = await client.createProxy(name, `127.0.0.1:${port}`);
      return { name, url: `redis://${password ? `:${password}@` : ""}${proxy.listen}` };
    },
    async outage(name, ms) {
      await client.setEnabled(name, false);
      try {
        await sleep(ms);
      } finally {
        await client.setEnabled(name, true);
      }
    },
    logLines(name, message) {
      return readFileSync(join(dir, "toxiproxy.log"), "utf8")
        .split("\n")
        .filter((line) => line.includes(`"name":"${name}"`) && line.includes(message));
    },
    async stop() {
      await toxiproxy.process.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The port a service logged when it started listening (`{"port":…}` in its first lines). */
export function httpPortOf(p: ServiceProcess): number | undefined {
  for (const line of readFileSync(p.logFile, "utf8").split("\n")) {
    const port = /"port":(\d+)/.exec(line)?.[1];
    if (port && Number(port) > 0) return Number(port);
  }
  return undefined;
}

/** The HTTP status of a service's readiness (`/readyz`, or the gateway's `/-/ready`); 0 when it does not answer. */
export async function readiness(p: ServiceProcess, gatewayUrl?: string): Promise<number> {
  const url = p.name === "metrics-gateway" ? `${gatewayUrl}/-/ready` : `http://127.0.0.1:${httpPortOf(p)}/readyz`;
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(3000) })).status;
  } catch {
    return 0;
  }
}

/** Log lines of a service process whose `msg` is `message`, parsed. */
export function logEntries(p: ServiceProcess, message: string): Record<string, unknown>[] {
  return readFileSync(p.logFile, "utf8")
    .split("\n")
    .filter((line) => line.includes(`"msg":"${message}`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const CLI = join(dirname(fileURLToPath(import.meta.url)), "../../packages/cli/bin/kubedump.js");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

let cliRuns = 0;

/**
 * The built `kubedump` CLI with only PATH, HOME and `env`: no S3 or password variable of this
 * process leaks in. Its command line and output also go to a file in the run's log directory.
 */
export async function kubedumpCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const run = await runCli(args, env);
  const dir = join(runLogDir(inject("testenv")), "cli");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${process.pid}-${++cliRuns}.log`);
  writeFileSync(file, `$ kubedump ${args.join(" ")}\nexit ${run.code}\n${run.stdout}\n${run.stderr}`);
  return run;
}

function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root" };
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...base, ...env }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The `--repo` URL of a Repository that setupRepository made, through `endpoint` (MinIO's own by default). */
export const s3RepoUrl = (t: TestEnvInfo, prefix: string, endpoint = t.s3Endpoint) =>
  `s3://${E2E_BUCKET}/${prefix}?endpoint=${encodeURIComponent(endpoint)}`;

/** The S3 credentials of the test MinIO, as the CLI reads them. */
export const s3Env = (t: TestEnvInfo) => ({ AWS_ACCESS_KEY_ID: t.accessKey, AWS_SECRET_ACCESS_KEY: t.secretKey });

/** Namespace `ns` with `count` ConfigMaps `cm-<i>` of `bytes` random (incompressible) characters each. */
export async function seedConfigMaps(t: TestEnvInfo, ns: string, count: number, bytes: number): Promise<void> {
  await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: ns } } });
  for (let i = 0; i < count; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, count - i) }, async (_, k) => {
        const res = await kubeHttp(t, `/api/v1/namespaces/${ns}/configmaps`, {
          body: {
            metadata: { name: `cm-${i + k}` },
            data: { blob: randomBytes(bytes).toString("base64").slice(0, bytes) },
          },
        });
        if (res.status !== 201 && res.status !== 409)
          throw new Error(`seeding ${ns}/cm-${i + k}: ${res.status} ${res.text}`);
      }),
    );
  }
}

/** The manifest of a `kubedump backup --namespace <ns>` straight to the API server: what a backup should hold. */
export async function baselineOf(
  t: TestEnvInfo,
  ns: string,
): Promise<{ objects: number; counts: Record<string, number> }> {
  const repo = mkdtempSync(join(tmpdir(), "kubedump-baseline-"));
  try {
    const run = await kubedumpCli(["backup", "--namespace", ns, "--repo", repo, "-o", "json"], {
      KUBECONFIG: t.kubeconfig,
    });
    if (run.code !== 0) throw new Error(`baseline backup of ${ns} failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as { objects: number; counts: Record<string, number> };
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

/** Repository `name` in `ns` at MinIO's bucket and `prefix` through `endpoint` (a proxy), with its storage Secret. */
export async function createRepositoryAt(
  t: TestEnvInfo,
  ns: string,
  name: string,
  endpoint: string,
  prefix: string,
  storageSecretName = "s3-secret",
  format?: 1 | 2,
) {
  const res = await kubeHttp(t, crUrl("repositories", ns), {
    body: {
      apiVersion: "kubedump.io/v1alpha1",
      kind: "Repository",
      metadata: { name },
      spec: {
        backend: { s3: { endpoint, bucket: E2E_BUCKET, region: "us-east-1", prefix } },
        storageSecretName,
        ...(format ? { format } : {}),
      },
    },
  });
  if (res.status !== 201) throw new Error(`creating Repository ${ns}/${name}: ${res.status} ${res.text}`);
}

/** Resolves when the wall clock is at second `second` of a minute (the next such moment). */
export function untilSecond(second: number): Promise<void> {
  const now = Date.now();
  const target = Math.floor(now / 60_000) * 60_000 + second * 1000;
  return sleep(target > now ? target - now : target + 60_000 - now);
}
