import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { kubeconfig, type TestEnvInfo } from "@kubedump/testenv";

/**
 * What the proxy does instead of forwarding a request as it is: answer with a status (and
 * Retry-After, in seconds), or forward it and cut the connection after half the response body.
 */
export type Injected = { status: number; retryAfter?: number } | { cut: true };

/** One request the proxy saw: when, what, and what it answered. */
export interface Seen {
  at: number;
  method: string;
  url: string;
  /** The status answered (0 while forwarding, -1 when the upstream failed). */
  status: number;
  /** "status" for an injected answer, "cut" for a response cut in the middle. */
  injected?: "status" | "cut";
}

export interface StatusProxy {
  /** An admin kubeconfig whose server is this proxy (plain HTTP on 127.0.0.1). */
  kubeconfig: string;
  seen: Seen[];
  /** Responses cut because the upstream connection broke (a Toxiproxy toxic behind this proxy). */
  upstreamCuts: number;
  /** Decides per request: an answer to inject, or undefined to forward it. `n` counts earlier requests of the same URL. */
  rules: (req: { method: string; url: string; n: number }) => Injected | undefined;
  close(): Promise<void>;
}

const REASONS: Record<number, string> = {
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/**
 * A small real HTTP proxy in front of the API server, for the statuses Toxiproxy cannot make:
 * it answers 429 with Retry-After or a 5xx, as the API server's own Status, where `rules` says
 * so, and forwards everything else to `upstream` (the API server or a Toxiproxy proxy in front of
 * it, https, authenticated as the admin). An upstream cut mid-response is passed on as a cut.
 */
export async function startStatusProxy(
  t: TestEnvInfo,
  dir: string,
  name: string,
  upstream: string,
): Promise<StatusProxy> {
  const perUrl = new Map<string, number>();
  const proxy: StatusProxy = {
    kubeconfig: join(dir, `${name}.kubeconfig`),
    seen: [],
    upstreamCuts: 0,
    rules: () => undefined,
    close,
  };
  const server = createServer((req, res) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const n = perUrl.get(url) ?? 0;
    perUrl.set(url, n + 1);
    const injected = proxy.rules({ method, url, n });
    const entry: Seen = { at: Date.now(), method, url, status: 0 };
    proxy.seen.push(entry);
    if (injected && "status" in injected) {
      entry.status = injected.status;
      entry.injected = "status";
      return answer(res, injected);
    }
    if (injected) entry.injected = "cut";
    forward(t, upstream, { req, res, cut: !!injected }, (status) => {
      entry.status = status;
      if (status === -1) proxy.upstreamCuts++;
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as AddressInfo).port;
  writeFileSync(proxy.kubeconfig, kubeconfig(`http://127.0.0.1:${port}`, t.caPem, t.adminCertPem, t.adminKeyPem), {
    mode: 0o600,
  });
  function close(): Promise<void> {
    return new Promise((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
  }
  return proxy;
}

function answer(res: ServerResponse, injected: { status: number; retryAfter?: number }): void {
  const reason = REASONS[injected.status] ?? "InternalError";
  const body = JSON.stringify({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `injected by the test's status proxy: ${reason}`,
    reason,
    code: injected.status,
  });
  res.writeHead(injected.status, {
    "content-type": "application/json",
    ...(injected.retryAfter === undefined ? {} : { "retry-after": String(injected.retryAfter) }),
  });
  res.end(body);
}

/** Forwards one request; `cut`: the response head and half its body go back, then the connection is destroyed. */
function forward(
  t: TestEnvInfo,
  upstream: string,
  { req, res, cut }: { req: IncomingMessage; res: ServerResponse; cut: boolean },
  answered: (status: number) => void,
): void {
  const target = new URL(req.url ?? "/", upstream);
  const headers = { ...req.headers, host: target.host };
  let failed = false;
  const broken = () => {
    if (failed) return;
    failed = true;
    answered(-1);
    if (res.headersSent) res.destroy();
    else res.socket?.destroy();
  };
  const up = httpsRequest(
    target,
    { method: req.method, headers, ca: t.caPem, cert: t.adminCertPem, key: t.adminKeyPem },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      // A response cut upstream is cut here too: the client must see the break, not a short body.
      upRes.on("error", broken);
      upRes.on("aborted", broken);
      if (!cut) {
        upRes.on("end", () => answered(upRes.statusCode ?? 0));
        upRes.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      upRes.on("data", (c: Buffer) => chunks.push(c));
      upRes.on("end", () => {
        const body = Buffer.concat(chunks);
        answered(upRes.statusCode ?? 0);
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
      });
    },
  );
  up.on("error", broken);
  req.pipe(up);
}
