import { join } from "node:path";
import { ensureBinary } from "../binaries.js";
import { probeStatus } from "../http-probe.js";
import type { Pki } from "../pki.js";
import { freePort } from "../ports.js";
import { type ServerProcess, startServer } from "../process.js";
import type { KubeApiServer } from "./kube-apiserver.js";

export interface KubeControllerManager {
  process: ServerProcess;
}

/**
 * kube-controller-manager with every default controller (garbage collector, namespace,
 * Deployment/ReplicaSet, service accounts and their tokens, root CA publishing, ...), talking to
 * the API server as the admin identity. Nodes never exist, so Pods stay Pending.
 */
export async function startKubeControllerManager(
  dir: string,
  pki: Pki,
  apiserver: KubeApiServer,
): Promise<KubeControllerManager> {
  const bin = await ensureBinary("kube-controller-manager");
  const port = await freePort();
  const process = await startServer({
    name: "kube-controller-manager",
    command: bin,
    args: [
      `--kubeconfig=${apiserver.kubeconfigPath}`,
      `--authentication-kubeconfig=${apiserver.kubeconfigPath}`,
      `--authorization-kubeconfig=${apiserver.kubeconfigPath}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, "kcm-certs")}`,
      `--service-account-private-key-file=${apiserver.serviceAccountKeyPath}`,
      `--root-ca-file=${pki.ca.cert}`,
      "--controllers=*",
      "--use-service-account-credentials=false",
      "--leader-elect=false",
      // Resync quickly, so tests that wait for the garbage collector or a namespace's deletion
      // wait seconds, not minutes.
      "--min-resync-period=10s",
      "--profiling=false",
      "--v=0",
    ],
    logPath: join(dir, "kube-controller-manager.log"),
    // /healthz is always allowed without credentials; the serving certificate is self-signed.
    ready: async () => (await probeStatus(`https://127.0.0.1:${port}/healthz`, { rejectUnauthorized: false })) === 200,
    timeoutMs: 120_000,
  });
  return { process };
}
