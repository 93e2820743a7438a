/** The toxics the fault tests use, with Toxiproxy's own attribute names (times in ms, rate in KB/s). */
export type ToxicSpec =
  | { type: "latency"; attributes: { latency: number; jitter?: number } }
  | { type: "timeout"; attributes: { timeout: number } }
  | { type: "bandwidth"; attributes: { rate: number } }
  | { type: "reset_peer"; attributes: { timeout: number } };

export interface ToxicOptions {
  /** Unique within the proxy; defaults to `<type>_<stream>`, Toxiproxy's own default. */
  name?: string;
  /** Which direction the toxic acts on; default downstream (upstream server → client). */
  stream?: "upstream" | "downstream";
  /** Share of connections affected, 0..1; default 1. */
  toxicity?: number;
}

export interface ProxyInfo {
  name: string;
  /** host:port the proxy listens on (the real port when created with port 0). */
  listen: string;
  upstream: string;
  enabled: boolean;
}

export interface ToxiproxyClient {
  /** A proxy on 127.0.0.1 (a free port unless `listen` says otherwise) in front of `upstream` (host:port). */
  createProxy(name: string, upstream: string, listen?: string): Promise<ProxyInfo>;
  deleteProxy(name: string): Promise<void>;
  /** Disabled: the listener is closed and every open connection through it is dropped. */
  setEnabled(name: string, enabled: boolean): Promise<ProxyInfo>;
  addToxic(proxy: string, toxic: ToxicSpec, opts?: ToxicOptions): Promise<string>;
  removeToxic(proxy: string, toxic: string): Promise<void>;
  /** Enables every proxy and removes every toxic. */
  reset(): Promise<void>;
}

export class ToxiproxyError extends Error {
  override name = "ToxiproxyError";
}

/** A small typed client of Toxiproxy's HTTP API over fetch. */
export function createToxiproxyClient(apiUrl: string): ToxiproxyClient {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new ToxiproxyError(`toxiproxy ${method} ${path}: ${res.status} ${text.trim()}`);
    return text ? JSON.parse(text) : undefined;
  };
  const proxyPath = (name: string) => `/proxies/${encodeURIComponent(name)}`;
  return {
    createProxy: async (name, upstream, listen = "127.0.0.1:0") =>
      toProxyInfo(await call("POST", "/proxies", { name, upstream, listen, enabled: true })),
    deleteProxy: async (name) => {
      await call("DELETE", proxyPath(name));
    },
    setEnabled: async (name, enabled) => toProxyInfo(await call("PATCH", proxyPath(name), { enabled })),
    addToxic: async (proxy, toxic, opts = {}) => {
      const stream = opts.stream ?? "downstream";
      const name = opts.name ?? `${toxic.type}_${stream}`;
      const body = { name, stream, toxicity: opts.toxicity ?? 1, ...toxic };
      await call("POST", `${proxyPath(proxy)}/toxics`, body);
      return name;
    },
    removeToxic: async (proxy, toxic) => {
      await call("DELETE", `${proxyPath(proxy)}/toxics/${encodeURIComponent(toxic)}`);
    },
    reset: async () => {
      await call("POST", "/reset");
    },
  };
}

function toProxyInfo(raw: unknown): ProxyInfo {
  const p = raw as Partial<ProxyInfo>;
  if (typeof p?.name !== "string" || typeof p.listen !== "string" || typeof p.upstream !== "string") {
    throw new ToxiproxyError(`toxiproxy answered with an unexpected proxy: ${JSON.stringify(raw)}`);
  }
  return { name: p.name, listen: p.listen, upstream: p.upstream, enabled: p.enabled === true };
}
