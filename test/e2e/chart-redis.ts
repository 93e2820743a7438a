import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort, type ServerProcess, startServer } from "@kubedump/testenv";
import { render } from "./helm-chart.js";

/** A redis-server run with the redis.conf and auth.conf the chart renders for its bundled Redis. */
export interface ChartRedis {
  port: number;
  /** redis://:<password>@127.0.0.1:<port> */
  url: string;
  password: string;
  process: ServerProcess;
  /** Kills it (SIGKILL: a crash, nothing flushed beyond what appendfsync did) and starts it again on the same files. */
  crashAndRestart(downMs: number): Promise<void>;
}

/**
 * The chart's Redis as a local process: its rendered redis.conf (appendonly yes, appendfsync
 * everysec, RDB preamble, no snapshots, noeviction, the password include) with only what a Pod
 * gives it changed: the port, the bind address, the data and include paths.
 */
export async function startChartRedis(dir: string): Promise<ChartRedis> {
  const password = randomBytes(12).toString("hex");
  const objs = await render(["--set", `redis.bundled.auth.password=${password}`]);
  const conf = objs.find((o) => o.kind === "ConfigMap" && o.data?.["redis.conf"])?.data["redis.conf"] as string;
  const secret = objs.find((o) => o.kind === "Secret" && o.data?.["auth.conf"]);
  if (!conf || !secret) throw new Error("the chart rendered no bundled Redis config");
  const port = await freePort();
  const data = join(dir, "data");
  mkdirSync(data, { recursive: true });
  writeFileSync(join(dir, "auth.conf"), Buffer.from(secret.data["auth.conf"], "base64"), { mode: 0o600 });
  const local = conf
    .replace(/^port 6379$/m, `port ${port}`)
    .replace(/^bind .*$/m, "bind 127.0.0.1")
    .replace(/^dir \/data$/m, `dir ${data}`)
    .replace(/^include \/etc\/redis\/auth\/auth\.conf$/m, `include ${join(dir, "auth.conf")}`);
  for (const line of ["appendonly yes", `port ${port}`, `dir ${data}`, "include "])
    if (!local.includes(line)) throw new Error(`the chart's redis.conf changed shape: no "${line}" after the edits`);
  const confPath = join(dir, "redis.conf");
  writeFileSync(confPath, local, { mode: 0o600 });
  const start = () =>
    startServer({
      name: "redis (chart)",
      command: "redis-server",
      args: [confPath],
      logPath: join(dir, "redis.log"),
      ready: () => authPing(port, password),
      timeoutMs: 30_000,
    });
  const redis: ChartRedis = {
    port,
    password,
    url: `redis://:${password}@127.0.0.1:${port}`,
    process: await start(),
    async crashAndRestart(downMs) {
      process.kill(redis.process.pid, "SIGKILL");
      await redis.process.stop();
      await new Promise((r) => setTimeout(r, downMs));
      redis.process = await start();
    },
  };
  return redis;
}

/** AUTH then PING on a fresh connection: true once Redis answers PONG (it answers LOADING while it reads its AOF). */
function authPing(port: number, password: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: "127.0.0.1", port });
    let seen = "";
    socket.setTimeout(2000);
    socket.on("connect", () => socket.write(`AUTH ${password}\r\nPING\r\n`));
    socket.on("data", (chunk) => {
      seen += chunk.toString();
      if (seen.split("\r\n").filter(Boolean).length < 2) return;
      done(seen.includes("+PONG"));
      socket.destroy();
    });
    socket.on("timeout", () => socket.destroy());
    socket.on("error", () => done(false));
    socket.on("close", () => done(false));
  });
}
