// Helpers shared by this package's tests; excluded from the build (tsconfig.build.json).
import { connect, createServer, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { kubeHttp, type TestEnvInfo } from "@kubedump/testenv";
import type { Clock } from "./rate-limiter.js";
import type { ResourceType } from "./resources.js";

export const CONFIGMAPS: ResourceType = {
  group: "",
  version: "v1",
  resource: "configmaps",
  kind: "ConfigMap",
  namespaced: true,
  verbs: ["get", "list", "watch"],
  key: "configmaps",
  apiPath: "/api/v1",
};

/** Events are the one built-in type the API server does not watch-cache: their lists and watches read etcd. */
export const EVENTS: ResourceType = { ...CONFIGMAPS, resource: "events", kind: "Event", key: "events" };

export async function ensureNamespace(env: TestEnvInfo, name: string): Promise<void> {
  const res = await kubeHttp(env, "/api/v1/namespaces", {
    body: { apiVersion: "v1", kind: "Namespace", metadata: { name } },
  });
  if (res.status !== 201 && res.status !== 409)
    throw new Error(`creating namespace ${name}: ${res.status} ${res.text}`);
}

/** Sends a raw admin request and fails on a non-2xx answer. */
export async function admin(
  env: TestEnvInfo,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ metadata: { resourceVersion: string } }> {
  const res = await kubeHttp(env, path, {
    method,
    body,
    contentType: method === "PATCH" ? "application/merge-patch+json" : undefined,
  });
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return res.body;
}

export const eventBody = (namespace: string, name: string, message = "m") => ({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name, namespace },
  reason: "Test",
  message,
  involvedObject: { kind: "Namespace", name: namespace, namespace },
});

/**
 * Compacts etcd at its current revision, so every older resourceVersion is gone. Global to the
 * shared test servers: other tests' etcd-served continue tokens and watches get 410 and restart.
 */
export async function compactEtcd(env: TestEnvInfo): Promise<string> {
  const range = await fetch(`${env.etcdUrl}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: "AA==" }) });
  const revision = ((await range.json()) as { header: { revision: string } }).header.revision;
  const res = await fetch(`${env.etcdUrl}/v3/kv/compaction`, {
    method: "POST",
    body: JSON.stringify({ revision, physical: true }),
  });
  if (!res.ok) throw new Error(`compacting etcd at ${revision}: ${res.status} ${await res.text()}`);
  return revision;
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A clock on real time that records every sleep and counts those still pending; each sleep lasts
 * `realMs` real milliseconds (default: as long as asked).
 */
export function recordingClock(realMs?: number): Clock & { sleeps: number[]; pending(): number } {
  const sleeps: number[] = [];
  let pending = 0;
  return {
    sleeps,
    pending: () => pending,
    now: () => Date.now(),
    sleep: (ms, signal) => {
      sleeps.push(ms);
      pending++;
      return sleep(realMs ?? ms, undefined, { signal }).finally(() => pending--);
    },
  };
}

/** A TCP proxy in front of the API server, to cut connections the way a network does. */
export interface TcpProxy {
  url: string;
  /** Resets every open connection; while down, new ones are reset as they arrive. */
  cut(opts?: { stayDown?: boolean }): void;
  restore(): void;
  /** Connections open from clients to the proxy. */
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  const clients = new Set<Socket>();
  let down = false;
  const server = createServer((client) => {
    if (down) return void client.resetAndDestroy();
    const upstream = connect(Number(port), hostname);
    clients.add(client);
    client.on("close", () => clients.delete(client));
    for (const s of [client, upstream]) {
      open.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        open.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("proxy has no port");
  return {
    url: `https://127.0.0.1:${address.port}`,
    cut: ({ stayDown = false } = {}) => {
      down = stayDown;
      for (const s of open) s.resetAndDestroy();
    },
    restore: () => {
      down = false;
    },
    connections: () => clients.size,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
