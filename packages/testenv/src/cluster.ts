import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPki, type Pki } from "./pki.js";
import type { ServerProcess } from "./process.js";
import { startEtcd } from "./servers/etcd.js";
import { type KubeApiServer, startKubeApiServer } from "./servers/kube-apiserver.js";
import { startKubeControllerManager } from "./servers/kube-controller-manager.js";

export interface ClusterOptions {
  /** Also run kube-controller-manager (garbage collector, namespace, workload controllers, ...). */
  controllers?: boolean;
}

export interface Cluster {
  apiserver: KubeApiServer;
  etcdUrl: string;
  /** Started servers, in start order. */
  processes: ServerProcess[];
}

/**
 * etcd, kube-apiserver and, when asked, kube-controller-manager in `dir`. On failure every
 * server it started is stopped before the error is thrown.
 */
export async function startCluster(dir: string, pki: Pki, opts: ClusterOptions = {}): Promise<Cluster> {
  mkdirSync(dir, { recursive: true });
  const processes: ServerProcess[] = [];
  try {
    const etcd = await startEtcd(dir);
    processes.push(etcd.process);
    const apiserver = await startKubeApiServer(dir, pki, etcd.url);
    processes.push(apiserver.process);
    if (opts.controllers) processes.push((await startKubeControllerManager(dir, pki, apiserver)).process);
    return { apiserver, etcdUrl: etcd.url, processes };
  } catch (err) {
    await stopAll(processes);
    throw err;
  }
}

/** Stops servers in reverse start order (the API server before etcd); errors are reported, not thrown. */
export async function stopAll(processes: ServerProcess[], report: (m: string) => void = () => {}): Promise<void> {
  for (const p of [...processes].reverse()) {
    try {
      await p.stop();
    } catch (err) {
      report(`stopping ${p.name} failed: ${(err as Error).message}`);
    }
  }
}

export interface ExtraCluster {
  kubeconfig: string;
  /** The same fields as TestEnvInfo's, so kubeHttp works on it. */
  kubeApiUrl: string;
  caPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  /** Stops its servers and removes its directory; safe to call twice. */
  stop(): Promise<void>;
  /** Stops kube-apiserver (SIGTERM, as a rolling update does); etcd and its data stay. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port with the same etcd, and waits until it is ready. */
  startApiServer(): Promise<void>;
}

/**
 * A second, empty cluster with its own etcd, CA and admin identity, for tests that move objects
 * between clusters (restore onto a fresh cluster) or restart its API server.
 */
export async function startExtraCluster(opts: ClusterOptions = {}): Promise<ExtraCluster> {
  const dir = mkdtempSync(join(tmpdir(), "kubedump-cluster-"));
  const pki = createPki(dir);
  let cluster: Cluster;
  try {
    cluster = await startCluster(dir, pki, opts);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let stopped = false;
  return {
    kubeconfig: cluster.apiserver.kubeconfigPath,
    kubeApiUrl: cluster.apiserver.url,
    caPem: cluster.apiserver.caPem,
    adminCertPem: cluster.apiserver.admin.certPem,
    adminKeyPem: cluster.apiserver.admin.keyPem,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll(cluster.processes);
      rmSync(dir, { recursive: true, force: true });
    },
    stopApiServer: () => cluster.apiserver.process.stop(),
    async startApiServer() {
      const old = cluster.apiserver;
      if (!old.process.exited()) throw new Error("startApiServer: kube-apiserver is still running");
      const port = Number(new URL(old.url).port);
      const apiserver = await startKubeApiServer(dir, pki, cluster.etcdUrl, { port });
      cluster = {
        ...cluster,
        apiserver,
        processes: cluster.processes.map((p) => (p === old.process ? apiserver.process : p)),
      };
    },
  };
}
