import { type IncomingMessage, request as httpRequest } from "node:http";
import { Agent, request as httpsRequest, type RequestOptions } from "node:https";
import type { Readable } from "node:stream";
import { AbortLinks } from "./abort-links.js";
import { KubeApiError, KubeUnreachableError } from "./errors.js";
import { type Connection, type KubeConfigOptions, loadConnection } from "./kubeconfig.js";
import { type Clock, RateLimiter, systemClock } from "./rate-limiter.js";

export const DEFAULT_QPS = 50;
export const DEFAULT_BURST = 100;
export const DEFAULT_MAX_RETRIES = 5;
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Connections kept to the API server: requests in flight beyond them wait for one. */
export const DEFAULT_MAX_SOCKETS = 16;
const MAX_BACKOFF_MS = 10_000;
const MAX_RETRY_AFTER_S = 60;

export interface KubeClientOptions extends KubeConfigOptions {
  /** Client-side rate limit: requests a second (<= 0: unlimited) and burst. */
  qps?: number;
  burst?: number;
  /** Retries of 429, 5xx and dropped connections; Retry-After is honoured. */
  maxRetries?: number;
  timeoutMs?: number;
  clock?: Clock;
  /** Use this connection instead of loading a kubeconfig. */
  connection?: Connection;
  /** @defaultValue DEFAULT_MAX_SOCKETS */
  maxSockets?: number;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOpts {
  query?: Query;
  body?: unknown;
  contentType?: string;
  /** The Accept header (default application/json). */
  accept?: string;
  /** Aborts the request (and any retry); it then fails with the abort reason. */
  signal?: AbortSignal;
  /**
   * Tokens of the client-side rate limit the request (and each retry) takes: 1 (the default) or
   * 0 for a request another one paid for, like the GETs of the few changed objects of a metadata
   * page, which stand in for a part of the full LIST page they replace (docs/decisions.md).
   */
  tokens?: 0 | 1;
}

export interface StreamOpts {
  query?: Query;
  /** Ends the stream: destroys the request and its socket. */
  signal?: AbortSignal;
  /** How long the stream may stay silent before it counts as dropped (default: timeoutMs). */
  idleTimeoutMs?: number;
}

export type PatchType = "merge" | "json" | "strategic" | "apply";
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

/** A small JSON client for the Kubernetes API: auth from kubeconfig, rate limit, retries. */
export class KubeClient {
  readonly server: string;
  /** The kubeconfig context's namespace, or `default`: what kubectl's `-n` defaults to. */
  readonly namespace: string;
  private readonly limiter: RateLimiter;
  private readonly agent: Agent;
  /** Streams hold their socket for minutes, so they must not take the pooled agent's sockets. */
  private readonly streamAgent: Agent;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  /** Requests in flight on one caller's signal share one listener on it. */
  private readonly abortLinks = new AbortLinks();

  constructor(
    private readonly conn: Connection,
    opts: KubeClientOptions = {},
  ) {
    this.server = conn.server;
    this.namespace = conn.namespace ?? "default";
    this.clock = opts.clock ?? systemClock;
    this.limiter = new RateLimiter(opts.qps ?? DEFAULT_QPS, opts.burst ?? DEFAULT_BURST, this.clock);
    this.maxRetries = opts.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? DEFAULT_MAX_SOCKETS });
    this.streamAgent = new Agent({ keepAlive: false });
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", path, { query });
  }
  create<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.request<T>("POST", path, { body, query });
  }
  replace<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", path, { body });
  }
  patch<T>(path: string, body: unknown, type: PatchType = "merge", query?: Query): Promise<T> {
    return this.request<T>("PATCH", path, { body, query, contentType: PATCH_CONTENT_TYPES[type] });
  }
  delete<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("DELETE", path, { body });
  }

  async request<T>(method: string, path: string, opts: RequestOpts = {}): Promise<T> {
    const text = (await this.requestBody(method, path, opts)).toString("utf8");
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** `request` without the JSON parsing: the body of a 2xx answer as it came. */
  async requestBody(method: string, path: string, opts: RequestOpts = {}): Promise<Buffer> {
    const link = this.abortLinks.link(opts.signal);
    // field by field: `{ ...opts, signal }` would give each request's a hidden class of its own
    // (docs/decisions.md, "No spread-then-add for what is made per object")
    const { query, body, contentType, accept } = opts;
    const linked: RequestOpts = { query, body, contentType, accept, signal: link.signal };
    try {
      for (let attempt = 0; ; attempt++) {
        await this.limiter.take(opts.tokens ?? 1);
        try {
          return await this.once(method, path, linked);
        } catch (err) {
          if (link.signal?.aborted) throw link.signal.reason;
          const wait = this.retryDelay(err, method, attempt);
          if (wait === undefined) throw err;
          await this.clock.sleep(wait, link.signal);
        }
      }
    } finally {
      link.release();
    }
  }

  /**
   * A streaming GET (a watch): resolves with the response body once the server answered 2xx.
   * Rate-limited like every request but never retried — whoever streams restarts the stream.
   * Destroy the body or abort the signal to end it; either closes its socket.
   */
  async stream(path: string, opts: StreamOpts = {}): Promise<Readable> {
    const link = this.abortLinks.link(opts.signal);
    try {
      await this.limiter.take();
      const req = { query: opts.query, signal: link.signal };
      const { url, reqOpts } = await this.prepare(
        "GET",
        path,
        req,
        this.streamAgent,
        opts.idleTimeoutMs ?? this.timeoutMs,
      );
      const res = await open(url, reqOpts);
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        // Ended, destroyed or aborted, the body closes; its link goes with it.
        res.once("close", link.release);
        return res;
      }
      const text = (await readBody(res, url)).toString("utf8");
      throw toApiError("GET", url, status, text, res.headers["retry-after"]);
    } catch (err) {
      link.release();
      throw err;
    }
  }

  /** How long to wait before retrying, or undefined when the error is final. */
  private retryDelay(err: unknown, method: string, attempt: number): number | undefined {
    if (attempt >= this.maxRetries) return undefined;
    const backoff = Math.min(MAX_BACKOFF_MS, 200 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
    if (err instanceof KubeUnreachableError) return attempt < 2 ? backoff : undefined;
    if (!(err instanceof KubeApiError)) return undefined;
    const retryable =
      err.status === 429 || (err.status >= 500 && err.status !== 501 && (method !== "POST" || err.status === 503));
    if (!retryable) return undefined;
    if (err.retryAfterSeconds !== undefined) return Math.min(err.retryAfterSeconds, MAX_RETRY_AFTER_S) * 1000;
    return backoff;
  }

  private async once(method: string, path: string, opts: RequestOpts): Promise<Buffer> {
    const { url, reqOpts, payload } = await this.prepare(method, path, opts, this.agent, this.timeoutMs);
    const res = await open(url, reqOpts, payload);
    const body = await readBody(res, url);
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return body;
    throw toApiError(method, url, status, body.toString("utf8"), res.headers["retry-after"]);
  }

  /** URL, headers and credentials of one request: the one auth path of every request. */
  private async prepare(
    method: string,
    path: string,
    opts: RequestOpts,
    agent: Agent,
    timeoutMs: number,
  ): Promise<Prepared> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const reqOpts: RequestOptions = {
      method,
      agent: url.protocol === "https:" ? agent : undefined,
      headers: {
        accept: opts.accept ?? "application/json",
        "user-agent": "kubedump/0.1",
        ...(payload
          ? { "content-type": opts.contentType ?? "application/json", "content-length": payload.length }
          : {}),
      },
      timeout: timeoutMs,
      signal: opts.signal,
    };
    await this.conn.apply(reqOpts);
    if (this.conn.skipTLSVerify) reqOpts.rejectUnauthorized = false;
    return { url, reqOpts, payload };
  }

  close(): void {
    this.agent.destroy();
    this.streamAgent.destroy();
  }
}

export function createKubeClient(opts: KubeClientOptions = {}): KubeClient {
  return new KubeClient(opts.connection ?? loadConnection(opts), opts);
}

interface Prepared {
  url: URL;
  reqOpts: RequestOptions;
  payload?: Buffer;
}

/** Sends a request and resolves with the response head; the body is left to the caller. */
function open(url: URL, opts: RequestOptions, payload?: Buffer): Promise<IncomingMessage> {
  return new Promise((done, fail) => {
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, opts, done);
    req.on("timeout", () => req.destroy(new Error(`no answer within ${opts.timeout} ms`)));
    req.on("error", (err) => {
      if (opts.signal?.aborted) fail(opts.signal.reason);
      else
        fail(new KubeUnreachableError(`cannot reach the API server at ${url.origin}: ${err.message}`, { cause: err }));
    });
    if (payload) req.write(payload);
    req.end();
  });
}

function readBody(res: IncomingMessage, url: URL): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => done(Buffer.concat(chunks)));
    res.on("error", (err) =>
      fail(new KubeUnreachableError(`reading ${url.origin}${url.pathname}: ${err.message}`, { cause: err })),
    );
  });
}

function toApiError(
  method: string,
  url: URL,
  status: number,
  text: string,
  retryAfter?: string | string[],
): KubeApiError {
  let reason = "";
  let message = text.slice(0, 500);
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string };
    reason = s.reason ?? "";
    message = s.message ?? message;
  } catch {
    // not a Status object
  }
  const ra = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  return new KubeApiError(
    status,
    reason,
    `${method} ${url.pathname}: ${status} ${reason || ""} ${message}`.replace(/\s+/g, " ").trim(),
    Number.isFinite(ra) ? ra : undefined,
  );
}
