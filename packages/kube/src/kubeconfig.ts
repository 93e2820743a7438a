import { existsSync } from "node:fs";
import type { RequestOptions } from "node:https";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeConfigError } from "./errors.js";

export interface KubeConfigOptions {
  /** A kubeconfig file; default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  /** A context of that file; default: its current-context. */
  context?: string;
}

/** Where to reach the API server and how to authenticate to it. */
export interface Connection {
  server: string;
  /** Adds CA, client certificate or bearer token to request options (refreshing exec/OIDC tokens). */
  apply(opts: RequestOptions): Promise<void>;
  skipTLSVerify: boolean;
}

export function loadConnection(opts: KubeConfigOptions = {}): Connection {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig) {
      if (!existsSync(opts.kubeconfig)) throw new KubeConfigError(`kubeconfig ${opts.kubeconfig} does not exist`);
      kc.loadFromFile(opts.kubeconfig);
    } else {
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof KubeConfigError) throw err;
    throw new KubeConfigError(`cannot load kubeconfig: ${(err as Error).message}`, { cause: err });
  }
  if (opts.context) {
    if (!kc.getContexts().some((c) => c.name === opts.context)) {
      throw new KubeConfigError(`context "${opts.context}" is not in the kubeconfig (have: ${kc.getContexts().map((c) => c.name).join(", ") || "none"})`);
    }
    kc.setCurrentContext(opts.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new KubeConfigError("no cluster: set KUBECONFIG, pass --kubeconfig, or run inside a cluster");
  }
  return {
    server: cluster.server.replace(/\/+$/, ""),
    skipTLSVerify: cluster.skipTLSVerify === true,
    apply: async (o) => {
      const pooled = o.agent;
      await kc.applyToHTTPSOptions(o);
      // client-node puts a new Agent on every request: no connection reuse, no socket limit. The
      // TLS material is on the options too, so keep the caller's agent unless a proxy needs its own.
      if (pooled !== undefined && !cluster.proxyUrl) o.agent = pooled;
    },
  };
}
