// A stand-in for the kubelet, for clusters of packages/testenv (an API server and a
// controller-manager, no nodes): it takes the Pods the Job controller makes in a namespace,
// runs each one's single container as a local process of the kubedump image's entrypoint (node,
// as `npm run image` builds it), and reports the outcome in the Pod's status as a kubelet
// would, so the Job controller completes or retries the Job. What the kubelet mounts is written
// under a directory of its own, and absolute paths in the container's command, arguments and
// environment that fall under a mount are moved there; the ServiceAccount token (which the
// ServiceAccount admission plugin and the kubelet would project) is a TokenRequest bound to the Pod.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type KubeHttpResponse, kubeHttp } from "@kubedump/testenv";
import type { Obj } from "./harness.js";

type Cluster = Parameters<typeof kubeHttp>[0];
const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const RUN_TIMEOUT_MS = 60_000;

export interface PodRun {
  pod: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface PodRunner {
  /** Every Pod run so far, in order. */
  runs: PodRun[];
  /** Stops looking for Pods (a run under way finishes first); rethrows what broke the runner. */
  stop(): Promise<void>;
}

const ok = (res: KubeHttpResponse, what: string) => {
  if (res.status >= 300) throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  return res.body;
};

/** Runs every Pending Pod of a Job in `namespace` until stopped, one at a time (other Pods stay Pending). */
export function runPods(cluster: Cluster, namespace: string): PodRunner {
  const runs: PodRun[] = [];
  const seen = new Set<string>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const pods = ok(await kubeHttp(cluster, `/api/v1/namespaces/${namespace}/pods`), "listing Pods").items as Obj[];
      for (const pod of pods) {
        const ofJob = ((pod.metadata.ownerReferences ?? []) as Obj[]).some((o) => o.kind === "Job");
        if (!ofJob || seen.has(pod.metadata.uid) || (pod.status?.phase ?? "Pending") !== "Pending") continue;
        seen.add(pod.metadata.uid);
        runs.push(await runPod(cluster, pod));
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  loop.catch(() => {}); // rethrown by stop()
  return {
    runs,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function runPod(cluster: Cluster, pod: Obj): Promise<PodRun> {
  const { namespace, name } = pod.metadata;
  if (pod.spec.containers.length !== 1 || pod.spec.initContainers?.length)
    throw new Error(`Pod ${namespace}/${name}: only one container and no init containers are supported`);
  const container = pod.spec.containers[0] as Obj;
  const root = mkdtempSync(join(tmpdir(), `kubedump-pod-${name}-`));
  const mounts: string[] = [];
  for (const m of (container.volumeMounts ?? []) as Obj[]) {
    await mountVolume(cluster, pod, m, join(root, m.mountPath));
    mounts.push(m.mountPath);
  }
  if (pod.spec.automountServiceAccountToken !== false) {
    await mountServiceAccount(cluster, pod, join(root, SERVICE_ACCOUNT_DIR));
    mounts.push(SERVICE_ACCOUNT_DIR);
  }
  const local = (s: string) => (mounts.some((m) => s === m || s.startsWith(`${m}/`)) ? join(root, s) : s);
  const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
  for (const e of (container.env ?? []) as Obj[]) {
    if (e.valueFrom) throw new Error(`Pod ${namespace}/${name}: env ${e.name} uses valueFrom, which is not supported`);
    env[e.name] = local(e.value ?? "");
  }
  const api = new URL(cluster.kubeApiUrl);
  Object.assign(env, { KUBERNETES_SERVICE_HOST: api.hostname, KUBERNETES_SERVICE_PORT: api.port || "443" });
  const [command, ...args] = [
    ...((container.command as string[]) ?? ["node"]),
    ...((container.args as string[]) ?? []),
  ];
  const startedAt = new Date().toISOString();
  const result = await new Promise<{ exitCode: number; stdout: string; stderr: string }>((done) => {
    execFile(
      command === "node" ? process.execPath : command!,
      args.map(local),
      { env, cwd: root, timeout: RUN_TIMEOUT_MS },
      (err, stdout, stderr) => done({ exitCode: err ? Number(err.code ?? 1) || 1 : 0, stdout, stderr }),
    );
  });
  await reportStatus(cluster, pod, container, result.exitCode, startedAt);
  return { pod: name, ...result };
}

async function mountVolume(cluster: Cluster, pod: Obj, mount: Obj, dir: string): Promise<void> {
  const volume = (pod.spec.volumes as Obj[]).find((v) => v.name === mount.name);
  mkdirSync(dir, { recursive: true });
  if (volume?.emptyDir) return;
  if (!volume?.configMap)
    throw new Error(`Pod ${pod.metadata.name}: volume ${mount.name} is not a configMap or emptyDir`);
  const path = `/api/v1/namespaces/${pod.metadata.namespace}/configmaps/${volume.configMap.name}`;
  const data = (ok(await kubeHttp(cluster, path), `reading ConfigMap ${volume.configMap.name}`).data ?? {}) as Record<
    string,
    string
  >;
  const items = (volume.configMap.items as Obj[] | undefined) ?? Object.keys(data).map((key) => ({ key, path: key }));
  for (const item of items) {
    mkdirSync(dirname(join(dir, item.path)), { recursive: true });
    writeFileSync(join(dir, item.path), data[item.key] ?? "");
  }
}

async function mountServiceAccount(cluster: Cluster, pod: Obj, dir: string): Promise<void> {
  const { namespace, name, uid } = pod.metadata;
  const account = pod.spec.serviceAccountName ?? "default";
  const token = ok(
    await kubeHttp(cluster, `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`, {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 3600, boundObjectRef: { apiVersion: "v1", kind: "Pod", name, uid } },
      },
    }),
    `a token for ServiceAccount ${namespace}/${account}`,
  ).status.token as string;
  const rootCa = ok(
    await kubeHttp(cluster, `/api/v1/namespaces/${namespace}/configmaps/kube-root-ca.crt`),
    "reading kube-root-ca.crt",
  );
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "token"), token, { mode: 0o600 });
  writeFileSync(join(dir, "ca.crt"), rootCa.data["ca.crt"]);
  writeFileSync(join(dir, "namespace"), namespace);
}

async function reportStatus(cluster: Cluster, pod: Obj, container: Obj, exitCode: number, startedAt: string) {
  const finishedAt = new Date().toISOString();
  const status = {
    phase: exitCode === 0 ? "Succeeded" : "Failed",
    startTime: startedAt,
    containerStatuses: [
      {
        name: container.name,
        image: container.image,
        imageID: "",
        ready: false,
        restartCount: 0,
        started: false,
        state: {
          terminated: { exitCode, reason: exitCode === 0 ? "Completed" : "Error", startedAt, finishedAt },
        },
      },
    ],
  };
  const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`;
  ok(
    await kubeHttp(cluster, path, {
      method: "PATCH",
      body: { status },
      contentType: "application/merge-patch+json",
    }),
    `reporting the status of Pod ${pod.metadata.name}`,
  );
}
