// Kubeconfig loading without @kubernetes/client-node for what nearly every cluster uses: a CA,
// client certificates, bearer tokens (inline or a file), basic auth, and the in-cluster service
// account. Importing client-node alone costs tens of MiB of RSS (figures: docs/benchmarks.md), in
// every service and the CLI; it is imported lazily, on the first request, only for users with `exec` or
// `auth-provider` and clusters with `proxy-url`.
import { existsSync, readFileSync, statSync } from "node:fs";
import { createSecureContext, type SecureContext } from "node:tls";
import type { RequestOptions } from "node:https";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { load } from "js-yaml";
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
  /** The context's namespace (in a Pod: its own), as kubectl defaults `-n` to it; unset means `default`. */
  namespace?: string;
}

/** What the defaults are looked up in; tests point them elsewhere. */
export interface KubeConfigEnvironment {
  env: NodeJS.ProcessEnv;
  home: string;
  /** The mounted service account of a Pod: token, ca.crt. */
  serviceAccountDir: string;
}

const DEFAULT_ENVIRONMENT: KubeConfigEnvironment = {
  env: process.env,
  home: homedir(),
  serviceAccountDir: "/var/run/secrets/kubernetes.io/serviceaccount",
};

type Entry = Record<string, unknown>;
interface Named {
  name: string;
  /** The file that defined the entry: relative paths in it are relative to that file. */
  base: string;
  value: Entry;
}
interface Merged {
  files: string[];
  currentContext?: string;
  clusters: Map<string, Named>;
  users: Map<string, Named>;
  contexts: Map<string, Named>;
}

export function loadConnection(
  opts: KubeConfigOptions = {},
  where: KubeConfigEnvironment = DEFAULT_ENVIRONMENT,
): Connection {
  const files = kubeconfigFiles(opts, where);
  if (files.length === 0) {
    const host = where.env.KUBERNETES_SERVICE_HOST;
    const port = where.env.KUBERNETES_SERVICE_PORT;
    if (host && port && existsSync(join(where.serviceAccountDir, "token")))
      return inCluster(host, port, where.serviceAccountDir);
    throw new KubeConfigError("no cluster: set KUBECONFIG, pass --kubeconfig, or run inside a cluster");
  }
  return fromKubeconfig(merge(files), opts);
}

/** The files to read, as kubectl picks them; none means: try the in-cluster account. */
function kubeconfigFiles(opts: KubeConfigOptions, { env, home }: KubeConfigEnvironment): string[] {
  if (opts.kubeconfig) {
    if (!existsSync(opts.kubeconfig)) throw new KubeConfigError(`kubeconfig ${opts.kubeconfig} does not exist`);
    return [opts.kubeconfig];
  }
  if (env.KUBECONFIG) {
    const listed = env.KUBECONFIG.split(delimiter).filter(Boolean);
    const present = listed.filter((f) => existsSync(f));
    if (present.length === 0) throw new KubeConfigError(`no file of KUBECONFIG exists: ${listed.join(delimiter)}`);
    return present;
  }
  const file = join(home, ".kube", "config");
  return existsSync(file) ? [file] : [];
}

/** kubectl's merge: the first file that names a cluster, user or context wins, and so does the first current-context. */
function merge(files: string[]): Merged {
  const merged: Merged = { files, clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) {
    let doc: Entry;
    try {
      doc = (load(readFileSync(file, "utf8")) ?? {}) as Entry;
    } catch (err) {
      throw new KubeConfigError(`cannot load kubeconfig ${file}: ${(err as Error).message}`, { cause: err });
    }
    if (typeof doc !== "object" || Array.isArray(doc))
      throw new KubeConfigError(`cannot load kubeconfig ${file}: not a mapping`);
    const base = dirname(resolve(file));
    for (const [list, field, into] of [
      ["clusters", "cluster", merged.clusters],
      ["users", "user", merged.users],
      ["contexts", "context", merged.contexts],
    ] as const) {
      const entries = doc[list] ?? [];
      if (!Array.isArray(entries)) throw new KubeConfigError(`cannot load kubeconfig ${file}: ${list} is not a list`);
      for (const item of entries as Entry[]) {
        const name = item?.name;
        if (typeof name !== "string" || into.has(name)) continue;
        into.set(name, { name, base, value: (item[field] ?? {}) as Entry });
      }
    }
    const current = doc["current-context"];
    if (merged.currentContext === undefined && typeof current === "string" && current) merged.currentContext = current;
  }
  return merged;
}

function fromKubeconfig(config: Merged, opts: KubeConfigOptions): Connection {
  const names = (m: Map<string, Named>) => [...m.keys()].join(", ") || "none";
  const contextName = opts.context ?? config.currentContext;
  if (!contextName)
    throw new KubeConfigError(
      `the kubeconfig sets no current-context; pass --context (have: ${names(config.contexts)})`,
    );
  const context = config.contexts.get(contextName);
  if (!context)
    throw new KubeConfigError(`context "${contextName}" is not in the kubeconfig (have: ${names(config.contexts)})`);
  const clusterName = String(context.value.cluster ?? "");
  const cluster = config.clusters.get(clusterName);
  const server = cluster?.value.server;
  if (!cluster || typeof server !== "string" || !server) {
    throw new KubeConfigError(
      `context "${contextName}" names cluster "${clusterName}", which the kubeconfig does not define with a server`,
    );
  }
  const userName = context.value.user;
  const user = typeof userName === "string" && userName ? config.users.get(userName) : undefined;
  if (typeof userName === "string" && userName && !user) {
    throw new KubeConfigError(`context "${contextName}" names user "${userName}", which is not in the kubeconfig`);
  }
  const c = cluster.value;
  const u = user?.value ?? {};
  const namespace =
    typeof context.value.namespace === "string" && context.value.namespace ? context.value.namespace : undefined;
  const common = {
    server: server.replace(/\/+$/, ""),
    skipTLSVerify: c["insecure-skip-tls-verify"] === true,
    namespace,
  };
  if (u.exec || u["auth-provider"] || c["proxy-url"])
    return { ...common, apply: viaClientNode(config, contextName, !!c["proxy-url"]) };

  const ca = material(cluster, "certificate-authority");
  const cert = user ? material(user, "client-certificate") : undefined;
  const key = user ? material(user, "client-key") : undefined;
  const serverName = typeof c["tls-server-name"] === "string" ? c["tls-server-name"] : undefined;
  const token = bearerToken(u, user?.base ?? "");
  const basic =
    typeof u.username === "string" && typeof u.password === "string"
      ? `Basic ${Buffer.from(`${u.username}:${u.password}`).toString("base64")}`
      : undefined;
  // One TLS context for every connection: built from the PEMs once, not on each new socket.
  let tlsContext: SecureContext | undefined;
  const contextOf = () => {
    try {
      tlsContext ??= createSecureContext({ ca, cert, key });
    } catch (err) {
      throw new KubeConfigError(
        `context "${contextName}": the certificate authority, client certificate or client key cannot be used: ${(err as Error).message}`,
        { cause: err },
      );
    }
    return tlsContext;
  };
  return {
    ...common,
    apply: async (o) => {
      // https passes secureContext on to tls.connect; @types/node leaves it out of RequestOptions.
      if (ca || cert || key) (o as RequestOptions & { secureContext?: SecureContext }).secureContext = contextOf();
      if (serverName) o.servername = serverName;
      const authorization = token ? `Bearer ${token()}` : basic;
      if (authorization) o.headers = withAuthorization(o.headers, authorization);
    },
  };
}

/**
 * A request's headers and its Authorization header, a new object for each request: by
 * Object.assign, as `{ ...headers, authorization }` gives each one a hidden class of its own
 * (docs/decisions.md, "No spread-then-add for what is made per object").
 */
function withAuthorization(headers: RequestOptions["headers"], authorization: string): RequestOptions["headers"] {
  return Object.assign({}, headers, { authorization });
}

/** `<field>-data` (base64) or `<field>` (a file, relative to the kubeconfig that named it). */
function material(entry: Named, field: string): Buffer | undefined {
  const data = entry.value[`${field}-data`];
  if (typeof data === "string" && data) return Buffer.from(data, "base64");
  const file = entry.value[field];
  if (typeof file !== "string" || !file) return undefined;
  try {
    return readFileSync(resolve(entry.base, file));
  } catch (err) {
    throw new KubeConfigError(`${entry.name}: cannot read ${field} ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function bearerToken(user: Entry, base: string): (() => string) | undefined {
  if (typeof user.token === "string" && user.token) {
    const token = user.token;
    return () => token;
  }
  return typeof user.tokenFile === "string" && user.tokenFile
    ? rereadingFile(resolve(base, user.tokenFile))
    : undefined;
}

/**
 * A token file's trimmed content, read again whenever the file changed: the kubelet rotates
 * projected service account tokens in place.
 */
function rereadingFile(file: string): () => string {
  let stamp = "";
  let value = "";
  return () => {
    try {
      const st = statSync(file);
      const now = `${st.mtimeMs}:${st.size}:${st.ino}`;
      if (now !== stamp) {
        value = readFileSync(file, "utf8").trim();
        stamp = now;
      }
    } catch (err) {
      throw new KubeConfigError(`cannot read token file ${file}: ${(err as Error).message}`, { cause: err });
    }
    return value;
  };
}

/** A Pod's own service account, as client-go's rest.InClusterConfig reads it. */
function inCluster(host: string, port: string, dir: string): Connection {
  let ca: Buffer;
  try {
    ca = readFileSync(join(dir, "ca.crt"));
  } catch (err) {
    throw new KubeConfigError(
      `in-cluster: cannot read the service account's CA ${join(dir, "ca.crt")}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const token = rereadingFile(join(dir, "token"));
  let namespace: string | undefined;
  try {
    namespace = readFileSync(join(dir, "namespace"), "utf8").trim() || undefined;
  } catch {
    // An account without the namespace file: kubectl's default applies.
  }
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    skipTLSVerify: false,
    namespace,
    apply: async (o) => {
      o.ca = ca;
      o.headers = withAuthorization(o.headers, `Bearer ${token()}`);
    },
  };
}

/** exec plugins, auth providers and proxies: @kubernetes/client-node, imported on first use. */
function viaClientNode(config: Merged, context: string, proxied: boolean): Connection["apply"] {
  let loading: Promise<import("@kubernetes/client-node").KubeConfig> | undefined;
  return async (o) => {
    loading ??= import("@kubernetes/client-node").then(({ KubeConfig }) => {
      const kc = new KubeConfig();
      // Several files come only from $KUBECONFIG, which client-node merges itself.
      if (config.files.length === 1) kc.loadFromFile(config.files[0] as string);
      else kc.loadFromDefault();
      kc.setCurrentContext(context);
      return kc;
    });
    const kc = await loading;
    const pooled = o.agent;
    await kc.applyToHTTPSOptions(o);
    // client-node puts a new Agent on every request: no connection reuse, no socket limit. The
    // TLS material is on the options too, so keep the caller's agent unless a proxy needs its own.
    if (pooled !== undefined && !proxied) o.agent = pooled;
  };
}
