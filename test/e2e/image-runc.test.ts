import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { runLogDir } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createConfig,
  createSession,
  crUrl,
  getObj,
  installCrds,
  type Obj,
  type ServiceName,
  openTestRepository,
  setupRepository,
  waitFor,
  waitForSession,
} from "./harness.js";
import { removeTestImage, testImage } from "./image-fixture.js";
import type { UnpackedImage } from "./image-unpack.js";
import { containerEnv, deploymentOf, install, podNameOf, type Release, SERVICES } from "./rbac-release.js";
import { type Container, createRunc, findRunc } from "./runc.js";
import { mountsToken, runcConfig } from "./runc-pod.js";

// The image run as the chart runs it: each of the four services in a runc container made from the
// Pod spec `helm install` rendered (user, read-only root, dropped capabilities, emptyDirs as tmpfs,
// environment, limits) with its ServiceAccount's token (TokenRequest) where the kubelet mounts it
// and KUBERNETES_SERVICE_HOST/PORT pointing at the test API server, so the services use their
// in-cluster configuration. Then the chart's probes, and a backup through the four containers.
const t = inject("testenv");
const NS = "image-runc";
const found = await findRunc();
if (!found.ok) console.warn(`image-runc.test.ts skipped: ${found.reason}`);
const runc = createRunc(found.ok ? found.command : ["runc"]);
const containers = new Map<string, Container>();
let release: Release;
let image: UnpackedImage;
/** The files the kubelet would mount: ServiceAccount tokens, /etc/hosts, /etc/resolv.conf. */
let dir: string | undefined;

const api = new URL(t.kubeApiUrl);

/** The token, CA and namespace files the kubelet projects for a ServiceAccount. */
function serviceAccountDir(dir: string, token: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "token"), token, { mode: 0o644 });
  writeFileSync(join(dir, "ca.crt"), t.caPem, { mode: 0o644 });
  writeFileSync(join(dir, "namespace"), NS, { mode: 0o644 });
  return dir;
}

beforeAll(async () => {
  if (!found.ok) return;
  ({ image } = await testImage());
  await installCrds(t);
  await setupRepository(t, NS, { prefix: NS });
  release = await install(NS, {
    watchNamespace: NS,
    rbac: { storageSecrets: [{ namespace: NS, names: ["s3-secret"] }] },
  });
  // Logs where the run's Secret scan reads them; tokens and the files the kubelet would mount elsewhere.
  mkdirSync(runLogDir(t), { recursive: true });
  const logs = mkdtempSync(join(runLogDir(t), `${NS}-`));
  dir = mkdtempSync(join(tmpdir(), `kubedump-${NS}-`));
  const resolvConf = join(dir, "resolv.conf");
  writeFileSync(resolvConf, readFileSync("/etc/resolv.conf"));
  for (const s of ["metrics-gateway", "watcher", "scheduler", "dump-worker"] as const) {
    const deployment = deploymentOf(release, s);
    const sa = release.objects.find(
      (o) => o.kind === "ServiceAccount" && o.metadata.name === deployment.spec.template.spec.serviceAccountName,
    );
    const podName = podNameOf(release, s);
    const etcHosts = join(dir, `${s}.hosts`);
    writeFileSync(etcHosts, `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n127.0.0.1\t${podName}\n`);
    const env = {
      ...(await containerEnv(release, s)),
      HOSTNAME: podName,
      KUBERNETES_SERVICE_HOST: api.hostname,
      KUBERNETES_SERVICE_PORT: api.port,
    };
    const config = runcConfig({
      deployment,
      image: image.config.config,
      rootfs: image.rootfs,
      podName,
      env,
      serviceAccountDir: mountsToken(deployment, sa)
        ? serviceAccountDir(join(dir, `${s}-sa`), release.tokens[s])
        : undefined,
      etcHosts,
      resolvConf,
    });
    containers.set(s, runc.start(`${NS}-${s}-${process.pid}`, config, join(logs, `${s}.log`)));
  }
}, 600_000);

afterAll(async () => {
  await Promise.all([...containers.values()].map((c) => runc.stop(c)));
  await runc.deleteAll();
  removeTestImage();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const portOf = (s: ServiceName) =>
  (deploymentOf(release, s).spec.template.spec.containers[0].ports as Obj[]).find((p) => p.name === "http")!
    .containerPort as number;
const logOf = (s: string) => readFileSync(containers.get(s)!.logFile, "utf8");

/** Runs node in a running container (as its process: same user, capabilities and mounts). */
const nodeIn = (s: string, script: string) =>
  runc.run("exec", containers.get(s)!.id, "/usr/local/bin/node", "-e", script);

/** The status of a probe as the kubelet runs it (httpGet on the Pod's IP), polled until it succeeds or the container exits. */
async function probe(s: ServiceName, kind: "readinessProbe" | "livenessProbe"): Promise<number> {
  const { httpGet } = deploymentOf(release, s).spec.template.spec.containers[0][kind];
  const port = httpGet.port === "http" ? portOf(s) : httpGet.port;
  for (const deadline = Date.now() + 90_000; Date.now() < deadline; await sleep(500)) {
    if (containers.get(s)!.child.exitCode !== null) break;
    const res = await fetch(`http://127.0.0.1:${port}${httpGet.path}`).catch(() => undefined);
    if (res && res.status >= 200 && res.status < 400) return res.status;
  }
  throw new Error(`${s}: ${kind} ${httpGet.path} never succeeded; its log:\n${logOf(s).slice(-3000)}`);
}

describe.skipIf(!found.ok)("the image in runc containers made from the chart's Pod specs", () => {
  it.each(SERVICES)("%s: the chart's readiness and liveness probes succeed", async (s) => {
    expect(await probe(s, "readinessProbe")).toBe(200);
    expect(await probe(s, "livenessProbe")).toBe(200);
  });

  it("runs each service as the chart's user, with no capabilities and no privilege escalation, on a read-only root", async () => {
    const fsGroup = release.objects.find((o) => o.kind === "Deployment")!.spec.template.spec.securityContext.fsGroup;
    for (const s of SERVICES) {
      const seen = JSON.parse(
        await nodeIn(
          s,
          `const fs=require("fs");const st=fs.readFileSync("/proc/1/status","utf8");const w=(p)=>{try{fs.writeFileSync(p,"x");return "written"}catch(e){return e.code}};
           console.log(JSON.stringify({uid:/^Uid:\\s+(\\d+)/m.exec(st)[1],groups:/^Groups:\\s*(.*)$/m.exec(st)[1].trim(),capEff:/^CapEff:\\s+(\\w+)/m.exec(st)[1],
           capBnd:/^CapBnd:\\s+(\\w+)/m.exec(st)[1],noNewPrivs:/^NoNewPrivs:\\s+(\\d)/m.exec(st)[1],root:w("/app/x"),tmp:w("/tmp/x"),
           scratch:fs.existsSync("/scratch")?w("/scratch/x"):"absent",token:fs.existsSync("/var/run/secrets/kubernetes.io/serviceaccount/token")}))`,
        ),
      ) as Obj;
      expect(seen, s).toEqual({
        uid: "65532",
        groups: String(fsGroup),
        capEff: "0000000000000000",
        capBnd: "0000000000000000",
        noNewPrivs: "1",
        root: "EROFS",
        tmp: "written",
        // The worker's scratch emptyDir is writable; elsewhere /scratch is only a directory of the read-only root.
        scratch: s === "dump-worker" ? "written" : expect.not.stringMatching(/^written$/),
        token: s !== "metrics-gateway",
      });
    }
  });

  it("backs up through the four containers with their in-cluster configuration: session, snapshot, status, metrics", {
    timeout: 300_000,
  }, async () => {
    await createConfig(t, NS, "in-image", {
      schedule: "0 0 1 1 *",
      target: { ref: { apiVersion: "v1", kind: "Namespace", name: NS } },
    });
    const config = await waitFor("the scheduler to schedule in-image", async () => {
      const c = await getObj(t, crUrl("backupconfigurations", NS, "in-image"));
      return c?.status?.phase === "Ready" && c.status.nextScheduleTime ? c : undefined;
    });
    expect(Date.parse(config.status.nextScheduleTime)).toBeGreaterThan(Date.now());
    await createSession(t, NS, "in-image-now", "in-image");
    const session = await waitForSession(t, NS, "in-image-now");
    expect(session.status.phase, JSON.stringify(session.status)).toBe("Succeeded");
    const snapshot = await (await openTestRepository(t, NS)).getSnapshot(session.status.snapshot.id);
    expect(snapshot.source).toMatchObject({ kind: "BackupSession", namespace: NS, name: "in-image-now" });
    expect(snapshot.counts).toMatchObject({ "deployments.apps": 4, serviceaccounts: 4 });
    const metrics = await waitFor("the session's metrics on the gateway", async () => {
      const text = await (await fetch(`http://127.0.0.1:${portOf("metrics-gateway")}/metrics`)).text();
      return /kubedump_backup_session_success\{[^}]*invoker_name="in-image"[^}]*\} 1/.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/kubedump_repository_snapshot_count\{[^}]*repository="repo"[^}]*\} 1/);
    for (const s of ["watcher", "scheduler"] as const) {
      const lease = await getObj(t, `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/kubedump-${s}`);
      expect(lease?.spec.holderIdentity, s).toBe(podNameOf(release, s));
    }
    for (const s of SERVICES) expect(logOf(s), s).not.toMatch(/EROFS|read-only file system|forbidden|ENOENT/i);
  });

  it("stops each container on SIGTERM (node as PID 1), exiting 0", async () => {
    for (const s of ["dump-worker", "scheduler", "watcher", "metrics-gateway"] as const)
      expect(await runc.stop(containers.get(s)!), `${s}:\n${logOf(s).slice(-2000)}`).toBe(0);
  });
});
