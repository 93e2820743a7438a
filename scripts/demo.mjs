#!/usr/bin/env node
// `npm run demo`: the four kubedump services backing up a real cluster every minute.
// Uses KUBECONFIG + REDIS_URL + S3_ENDPOINT/AWS_* when all are set; otherwise starts the test
// servers (kube-apiserver + etcd, MinIO, Redis) on 127.0.0.1. `--once`: exit 0 when the first
// scheduled snapshot is committed and listed, non-zero on failure or after --timeout seconds.
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { freePort, seedCluster, startTestEnv } from "@kubedump/testenv";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = promisify(execFile);
const { values: args } = parseArgs({
  options: { once: { type: "boolean" }, timeout: { type: "string", default: "240" } },
});
const NS = "kubedump-demo";
const say = (m) => process.stdout.write(`demo: ${m}\n`);

const children = [];
let env;
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on("exit", r)) : undefined)));
  await env?.stop?.();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

async function connect() {
  const e = process.env;
  if (e.KUBECONFIG && e.REDIS_URL && e.S3_ENDPOINT && e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY) {
    say(`using KUBECONFIG=${e.KUBECONFIG}, REDIS_URL and S3_ENDPOINT=${e.S3_ENDPOINT} from the environment`);
    return {
      kubeconfig: e.KUBECONFIG,
      redisUrl: e.REDIS_URL,
      s3Endpoint: e.S3_ENDPOINT,
      accessKey: e.AWS_ACCESS_KEY_ID,
      secretKey: e.AWS_SECRET_ACCESS_KEY,
      kubectl: e.KUBECTL ?? "kubectl",
      external: true,
    };
  }
  say(
    "starting kube-apiserver + etcd, MinIO and Redis on 127.0.0.1 (set KUBECONFIG, REDIS_URL, S3_ENDPOINT and AWS_* to use your own)",
  );
  return startTestEnv();
}

const kubectl = (...a) => run(env.kubectl, a, { env: { ...process.env, KUBECONFIG: env.kubeconfig } });
const getJson = async (...a) => JSON.parse((await kubectl("get", ...a, "-o", "json")).stdout);

function startService(name, extra, logDir) {
  const fd = openSync(join(logDir, `${name}.log`), "a");
  const child = spawn(process.execPath, [join(ROOT, "services", name, "dist", "main.js")], {
    env: {
      ...process.env,
      KUBECONFIG: env.kubeconfig,
      REDIS_URL: env.redisUrl,
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: "0",
      LEASE_NAMESPACE: NS,
      LOG_LEVEL: "info",
      ...extra,
    },
    stdio: ["ignore", fd, fd],
  });
  child.on("exit", (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${code ?? signal}); its log: ${join(logDir, `${name}.log`)}`);
      void shutdown(1);
    }
  });
  children.push(child);
}

async function main() {
  env = await connect();
  const logDir = mkdtempSync(join(tmpdir(), "kubedump-demo-logs-"));
  mkdirSync(logDir, { recursive: true });
  say("installing the CRDs");
  await kubectl("apply", "--server-side", "--force-conflicts", "-f", join(ROOT, "deploy", "crds"));
  await kubectl(
    "wait",
    "--for=condition=Established",
    "crd/backupconfigurations.kubedump.io",
    "crd/backupsessions.kubedump.io",
    "crd/repositories.kubedump.io",
  );
  if (!env.external) {
    say("seeding a small application into namespaces demo-shop and demo-blog");
    await seedCluster(env, "demo");
  }
  const gatewayPort = await freePort();
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  say(`starting metrics-gateway, watcher, scheduler and dump-worker as separate processes (logs in ${logDir})`);
  startService("metrics-gateway", { HTTP_PORT: String(gatewayPort) }, logDir);
  startService("watcher", {}, logDir);
  startService("scheduler", {}, logDir);
  startService("dump-worker", { METRICS_GATEWAY_URL: gatewayUrl }, logDir);

  say(
    `applying a Secret, a Repository (s3 ${env.s3Endpoint}, bucket kubedump-demo) and a BackupConfiguration that runs every minute`,
  );
  await kubectl("create", "namespace", NS).catch(() => {});
  await kubectl(
    "-n",
    NS,
    "create",
    "secret",
    "generic",
    "s3-secret",
    `--from-literal=AWS_ACCESS_KEY_ID=${env.accessKey}`,
    `--from-literal=AWS_SECRET_ACCESS_KEY=${env.secretKey}`,
    "--from-literal=ENCRYPTION_PASSWORD=demo-password-change-me",
  ).catch(() => {});
  const manifests = {
    apiVersion: "v1",
    kind: "List",
    items: [
      {
        apiVersion: "kubedump.io/v1alpha1",
        kind: "Repository",
        metadata: { name: "s3-repo", namespace: NS },
        spec: {
          backend: {
            s3: { endpoint: env.s3Endpoint, bucket: "kubedump-demo", region: "us-east-1", prefix: "cluster-a" },
          },
          storageSecretName: "s3-secret",
        },
      },
      {
        apiVersion: "kubedump.io/v1alpha1",
        kind: "BackupConfiguration",
        metadata: { name: "every-minute", namespace: NS },
        spec: {
          repository: { name: "s3-repo" },
          schedule: "* * * * *",
          retentionPolicy: { name: "keep", keepLast: 5, prune: true },
          task: { params: [{ name: "excludeNamespaces", value: "kube-*" }] },
        },
      },
    ],
  };
  const file = join(logDir, "demo.json");
  writeFileSync(file, JSON.stringify(manifests));
  await kubectl("apply", "-f", file);

  say("waiting for the first scheduled BackupSession (at the next minute)…");
  const deadline = Date.now() + Number(args.timeout) * 1000;
  let last = "";
  let done;
  while (Date.now() < deadline) {
    const list = await getJson("-n", NS, "backupsessions.kubedump.io");
    const line = list.items.map((s) => `${s.metadata.name}=${s.status?.phase ?? "-"}`).join(" ");
    if (line !== last) say(`sessions: ${line || "(none yet)"}`);
    last = line;
    done = list.items.find((s) => ["Succeeded", "PartiallySucceeded", "Failed"].includes(s.status?.phase));
    if (done) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  if (!done) throw new Error(`no BackupSession finished within ${args.timeout} s`);
  if (done.status.phase === "Failed")
    throw new Error(`BackupSession ${done.metadata.name} failed: ${JSON.stringify(done.status.conditions)}`);
  say(
    `BackupSession ${done.metadata.name} ${done.status.phase}: snapshot ${done.status.snapshot.id}, ${done.status.snapshot.objects} objects, ${done.status.snapshot.uploaded} uploaded in ${done.status.sessionDuration}`,
  );

  const repoUrl = `s3://kubedump-demo/cluster-a?endpoint=${encodeURIComponent(env.s3Endpoint)}&region=us-east-1`;
  const cli = await run(
    process.execPath,
    [join(ROOT, "packages/cli/bin/kubedump.js"), "snapshots", "--repo", repoUrl],
    {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: env.accessKey,
        AWS_SECRET_ACCESS_KEY: env.secretKey,
        ENCRYPTION_PASSWORD: "demo-password-change-me",
      },
    },
  );
  say(`kubedump snapshots --repo ${repoUrl}\n${cli.stdout}`);
  if (!cli.stdout.includes(done.status.snapshot.id))
    throw new Error(`snapshot ${done.status.snapshot.id} is not listed`);
  const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
  say(
    `what Prometheus scrapes from ${gatewayUrl}/metrics (kubedump_*):\n${metrics
      .split("\n")
      .filter((l) => l.startsWith("kubedump_"))
      .join("\n")}`,
  );
  if (args.once) {
    say("--once: the first scheduled snapshot is committed and listed");
    await shutdown(0);
    return;
  }
  say("running; a new snapshot every minute. Ctrl-C stops everything.");
}

main().catch(async (err) => {
  process.stderr.write(`demo: ${err.message}\n`);
  await shutdown(1);
});
