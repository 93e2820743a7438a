// What-if "kubeconfig" (see what-if.mjs): packages/kube's loadConnection without importing
// @kubernetes/client-node up front, which alone costs ~70 MiB RSS. Client certificates, CA, bearer
// tokens and insecure-skip-tls-verify are read directly; anything else (exec, auth-provider,
// proxy-url, in-cluster) lazily imports client-node, as the original does for everything.
// A measurement aid, not a complete kubeconfig implementation.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { load } from "js-yaml";
import { KubeConfigError } from "./errors.js";

const fileOrData = (base, file, data) =>
  data ? Buffer.from(data, "base64").toString("utf8") : file ? readFileSync(resolve(base, file), "utf8") : undefined;

export function loadConnection(opts = {}) {
  const path = opts.kubeconfig ?? process.env.KUBECONFIG?.split(delimiter)[0] ?? join(homedir(), ".kube", "config");
  if (!existsSync(path)) throw new KubeConfigError(`kubeconfig ${path} does not exist`);
  let doc;
  try {
    doc = load(readFileSync(path, "utf8"));
  } catch (err) {
    throw new KubeConfigError(`cannot load kubeconfig: ${err.message}`, { cause: err });
  }
  const ctxName = opts.context ?? doc["current-context"];
  const ctx = (doc.contexts ?? []).find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new KubeConfigError(`context "${ctxName}" is not in the kubeconfig`);
  const cluster = (doc.clusters ?? []).find((c) => c.name === ctx.cluster)?.cluster;
  const user = (doc.users ?? []).find((u) => u.name === ctx.user)?.user ?? {};
  if (!cluster?.server) throw new KubeConfigError("no cluster: set KUBECONFIG, pass --kubeconfig, or run inside a cluster");
  const base = dirname(path);
  const simple = !user.exec && !user["auth-provider"] && !cluster["proxy-url"];
  let lazy;
  const tls = simple ? {
    ca: fileOrData(base, cluster["certificate-authority"], cluster["certificate-authority-data"]),
    cert: fileOrData(base, user["client-certificate"], user["client-certificate-data"]),
    key: fileOrData(base, user["client-key"], user["client-key-data"]),
  } : undefined;
  return {
    server: cluster.server.replace(/\/+$/, ""),
    skipTLSVerify: cluster["insecure-skip-tls-verify"] === true,
    apply: async (o) => {
      if (simple) {
        for (const [k, v] of Object.entries(tls)) if (v !== undefined) o[k] = v;
        const token = user.token ?? (user.tokenFile ? readFileSync(resolve(base, user.tokenFile), "utf8").trim() : undefined);
        if (token) o.headers = { ...o.headers, authorization: `Bearer ${token}` };
        return;
      }
      if (!lazy) {
        const { KubeConfig } = await import("@kubernetes/client-node");
        lazy = new KubeConfig();
        lazy.loadFromFile(path);
        if (opts.context) lazy.setCurrentContext(opts.context);
      }
      const pooled = o.agent;
      await lazy.applyToHTTPSOptions(o);
      if (pooled !== undefined && !cluster["proxy-url"]) o.agent = pooled;
    },
  };
}
