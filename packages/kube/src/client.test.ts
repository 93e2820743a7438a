import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient } from "./client.js";
import { KubeApiError } from "./errors.js";
import type { Clock } from "./rate-limiter.js";

/** A local HTTP double of the network path: answers each request with the next scripted reply. */
interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}
let server: Server;
let script: Reply[] = [];
let attempts: { method: string; url: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    attempts.push({ method: req.method ?? "", url: req.url ?? "" });
    req.resume();
    const reply = script.shift() ?? { status: 500, body: { message: "script exhausted" } };
    res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
    res.end(JSON.stringify(reply.body ?? { kind: "Status", code: reply.status, reason: "Scripted" }));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
});

function clientWithFakeClock(): { client: KubeClient; sleeps: number[] } {
  const sleeps: number[] = [];
  const clock: Clock = { now: () => Date.now(), sleep: async (ms) => void sleeps.push(ms) };
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  const connection = { server: `http://127.0.0.1:${address.port}`, skipTLSVerify: false, apply: async () => {} };
  return { client: new KubeClient(connection, { clock }), sleeps };
}

function run(replies: Reply[], call: (c: KubeClient) => Promise<unknown>) {
  script = [...replies];
  attempts = [];
  const { client, sleeps } = clientWithFakeClock();
  return { sleeps, result: call(client).finally(() => client.close()) };
}

describe("KubeClient retry policy", () => {
  it("waits out 429's Retry-After on the injected clock, then succeeds", async () => {
    const { result, sleeps } = run(
      [
        { status: 429, headers: { "retry-after": "3" } },
        { status: 200, body: { ok: true } },
      ],
      (c) => c.get("/api/v1/namespaces", { limit: 5 }),
    );
    await expect(result).resolves.toEqual({ ok: true });
    expect(attempts).toEqual([
      { method: "GET", url: "/api/v1/namespaces?limit=5" },
      { method: "GET", url: "/api/v1/namespaces?limit=5" },
    ]);
    expect(sleeps).toEqual([3000]);
  });

  it("caps a huge Retry-After at 60 s", async () => {
    const { result, sleeps } = run(
      [
        { status: 429, headers: { "retry-after": "3600" } },
        { status: 200, body: {} },
      ],
      (c) => c.get("/x"),
    );
    await result;
    expect(sleeps).toEqual([60_000]);
  });

  it.each<[string, number, string, number]>([
    ["403 on GET", 403, "GET", 1],
    ["404 on GET", 404, "GET", 1],
    ["409 on PUT", 409, "PUT", 1],
    ["500 on POST (not idempotent)", 500, "POST", 1],
    ["501 on GET", 501, "GET", 1],
  ])("does not retry %s", async (_name, status, method, tries) => {
    const { result, sleeps } = run([{ status }, { status: 200, body: {} }], (c) =>
      c.request(method, "/x", { body: method === "GET" ? undefined : {} }),
    );
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(status);
    expect(attempts).toHaveLength(tries);
    expect(sleeps).toEqual([]);
  });

  it.each<[string, number, string]>([
    ["503 on GET", 503, "GET"],
    ["500 on GET", 500, "GET"],
    ["503 on POST", 503, "POST"],
    ["502 on PUT", 502, "PUT"],
  ])("retries %s with jittered exponential backoff", async (_name, status, method) => {
    const { result, sleeps } = run([{ status }, { status }, { status: 200, body: { n: 1 } }], (c) =>
      c.request(method, "/x", { body: method === "GET" ? undefined : {} }),
    );
    await expect(result).resolves.toEqual({ n: 1 });
    expect(attempts.map((a) => a.method)).toEqual([method, method, method]);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(160);
    expect(sleeps[0]).toBeLessThanOrEqual(240);
    expect(sleeps[1]).toBeGreaterThanOrEqual(320);
    expect(sleeps[1]).toBeLessThanOrEqual(480);
  });

  it("gives up after maxRetries and throws the last answer", async () => {
    const { result, sleeps } = run(
      Array.from({ length: 10 }, () => ({ status: 503 })),
      (c) => c.get("/x"),
    );
    const err = await result.catch((e: unknown) => e);
    expect((err as KubeApiError).status).toBe(503);
    expect(attempts).toHaveLength(6);
    expect(sleeps).toHaveLength(5);
  });
});
