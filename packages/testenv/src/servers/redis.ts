import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { redisPing } from "../http-probe.js";
import { freePort } from "../ports.js";
import { type ServerProcess, startServer } from "../process.js";

export interface Redis {
  url: string;
  port: number;
  process: ServerProcess;
}

export interface RedisOptions {
  /** Append-only persistence in `dir`, for tests that restart Redis. */
  appendOnly?: boolean;
  port?: number;
}

/** A private redis-server (Debian's package) bound to 127.0.0.1. */
export async function startRedis(dir: string, opts: RedisOptions = {}): Promise<Redis> {
  const port = opts.port ?? (await freePort());
  const data = join(dir, "redis-data");
  mkdirSync(data, { recursive: true });
  const process = await startServer({
    name: "redis",
    command: "redis-server",
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      opts.appendOnly ? "yes" : "no",
      "--dir",
      data,
      "--daemonize",
      "no",
      "--protected-mode",
      "yes",
    ],
    logPath: join(dir, "redis.log"),
    ready: () => redisPing(port),
    timeoutMs: 30_000,
  });
  return { url: `redis://127.0.0.1:${port}`, port, process };
}
