import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { createServiceShell } from "./shell.js";

describe("createServiceShell", () => {
  it("serves health and readiness once listening, and closes in one order even when a step fails", async () => {
    const closed: string[] = [];
    let ready = false;
    const shell = createServiceShell({
      log: createLogger("shell-test", "silent"),
      http: { host: "127.0.0.1", port: 0 },
      takesWork: [["leadership", async () => void closed.push("leadership")]],
      queues: [
        [
          "queues",
          () => {
            closed.push("queues");
            throw new Error("queue close failed");
          },
        ],
      ],
      // In-memory doubles of the two handles the shell only closes.
      redis: { disconnect: () => void closed.push("redis") },
      client: { close: () => void closed.push("kube client") },
    });
    expect(shell.httpPort).toBe(0);
    const port = await shell.listen({ registry: new Registry(), ready: () => ready });
    expect(shell.httpPort).toBe(port);
    const get = async (path: string) => (await fetch(`http://127.0.0.1:${port}${path}`)).status;
    expect(await get("/healthz")).toBe(200);
    expect(await get("/readyz")).toBe(503);
    ready = true;
    expect(await get("/readyz")).toBe(200);

    await Promise.all([shell.close(), shell.close()]);
    expect(closed).toEqual(["leadership", "queues", "redis", "kube client"]);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});

describe("createServiceShell with its own HTTP handler (the metrics gateway)", () => {
  it("serves the handler in place of the health routes, and closes without a kube client", async () => {
    const closed: string[] = [];
    const lines: string[] = [];
    const shell = createServiceShell({
      log: createLogger("shell-test", "info", { write: (line: string) => void lines.push(line) }),
      http: { host: "127.0.0.1", port: 0 },
      queues: [["queues", () => void closed.push("queues")]],
      redis: { disconnect: () => void closed.push("redis") },
    });
    const port = await shell.listen({ handler: (_req, res) => res.writeHead(204).end() });
    expect((await fetch(`http://127.0.0.1:${port}/-/healthy`)).status).toBe(204);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(204);
    await shell.close();
    expect(closed).toEqual(["queues", "redis"]);
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["closed"]);
    await expect(fetch(`http://127.0.0.1:${port}/-/healthy`)).rejects.toThrow();
  });
});
