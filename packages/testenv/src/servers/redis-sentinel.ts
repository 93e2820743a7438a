import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePorts } from "../ports.js";
import { type ServerProcess, startServer } from "../process.js";

const run = promisify(execFile);

/** One redis-server of the set: a data node or a sentinel. */
export interface RedisNode {
  port: number;
  process: ServerProcess;
}

/** A master, its replica and three sentinels (quorum 2) on 127.0.0.1, every one with a password. */
export interface RedisSentinelSet {
  /** The master group's name the sentinels monitor. */
  masterName: string;
  /** The data nodes' password (requirepass and masterauth). */
  password: string;
  /** The sentinels' own password (their requirepass). */
  sentinelPassword: string;
  /** The data nodes: [the first master, its replica]. */
  nodes: RedisNode[];
  sentinels: RedisNode[];
  /** `127.0.0.1:<port>,…`: REDIS_SENTINELS for the services. */
  sentinelsEnv: string;
  /** The master's port as sentinel `i` sees it now. */
  masterPort(i?: number): Promise<number>;
  /** Resolves once every sentinel knows the two others and a replica in sync (a failover can then happen). */
  settled(timeoutMs?: number): Promise<void>;
  /** Stops every process; safe to call twice. */
  stop(): Promise<void>;
}

export interface RedisSentinelOptions {
  masterName?: string;
  /** How long a master may be silent before a sentinel calls it down. @defaultValue 1000 */
  downAfterMs?: number;
}

/** redis-cli against a node of the set; the password goes in the environment, not in the arguments. */
async function cli(port: number, password: string, args: string[]): Promise<string> {
  const env = { ...process.env, REDISCLI_AUTH: password };
  const { stdout } = await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { env, timeout: 5000 });
  return stdout;
}

const lines = (text: string) => text.trim().split("\n");
/** A RESP map printed by redis-cli (key, value, key, value…) as an object. */
function fields(text: string): Record<string, string> {
  const l = lines(text);
  return Object.fromEntries(l.flatMap((k, i) => (i % 2 === 0 ? [[k, l[i + 1] ?? ""]] : [])));
}

/**
 * Starts a Redis Sentinel set from Debian's redis-server (`redis-server <conf> --sentinel` is what
 * Debian's redis-sentinel package runs): the master, a replica of it, three sentinels watching them.
 */
export async function startRedisSentinel(dir: string, opts: RedisSentinelOptions = {}): Promise<RedisSentinelSet> {
  const masterName = opts.masterName ?? "kubedump";
  const password = randomBytes(12).toString("hex");
  const sentinelPassword = randomBytes(12).toString("hex");
  const started: ServerProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((p) => p.stop()));
  };
  const ping = (port: number, pw: string) => async () => (await cli(port, pw, ["PING"])).trim() === "PONG";
  const start = async (name: string, conf: string[], port: number, pw: string, sentinel = false) => {
    const path = join(dir, `${name}.conf`);
    writeFileSync(path, `${conf.join("\n")}\n`, { mode: 0o600 });
    const p = await startServer({
      name: `redis ${name}`,
      command: "redis-server",
      args: sentinel ? [path, "--sentinel"] : [path],
      logPath: join(dir, `${name}.log`),
      ready: ping(port, pw),
      timeoutMs: 30_000,
    });
    started.push(p);
    return { port, process: p };
  };
  try {
    mkdirSync(dir, { recursive: true });
    const ports = await freePorts(5);
    const [masterPort, replicaPort, ...sentinelPorts] = ports as [number, number, ...number[]];
    const dataConf = (name: string, port: number, extra: string[]) => {
      mkdirSync(join(dir, name), { recursive: true });
      return [
        `port ${port}`,
        "bind 127.0.0.1",
        `dir ${join(dir, name)}`,
        'save ""',
        "appendonly no",
        `requirepass "${password}"`,
        `masterauth "${password}"`,
        ...extra,
      ];
    };
    const nodes = [
      await start("master", dataConf("master", masterPort, []), masterPort, password),
      await start(
        "replica",
        dataConf("replica", replicaPort, [`replicaof 127.0.0.1 ${masterPort}`]),
        replicaPort,
        password,
      ),
    ];
    const sentinelConf = (port: number) => [
      `port ${port}`,
      "bind 127.0.0.1",
      `dir ${dir}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${masterName} ${opts.downAfterMs ?? 1000}`,
      `sentinel failover-timeout ${masterName} 10000`,
      `sentinel auth-pass ${masterName} ${password}`,
      `requirepass "${sentinelPassword}"`,
      `sentinel sentinel-pass ${sentinelPassword}`,
    ];
    const sentinels = await Promise.all(
      sentinelPorts.map((port, i) => start(`sentinel-${i}`, sentinelConf(port), port, sentinelPassword, true)),
    );
    const set: RedisSentinelSet = {
      masterName,
      password,
      sentinelPassword,
      nodes,
      sentinels,
      sentinelsEnv: sentinels.map((s) => `127.0.0.1:${s.port}`).join(","),
      async masterPort(i = 0) {
        const reply = await cli(sentinels[i]!.port, sentinelPassword, [
          "SENTINEL",
          "GET-MASTER-ADDR-BY-NAME",
          masterName,
        ]);
        return Number(lines(reply)[1]);
      },
      async settled(timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        const ok = async (s: RedisNode) => {
          const m = fields(await cli(s.port, sentinelPassword, ["SENTINEL", "MASTER", masterName]));
          return m["num-other-sentinels"] === "2" && m["num-slaves"] === "1" && m.flags === "master";
        };
        const replicaUp = async () =>
          (await cli(nodes[1]!.port, password, ["INFO", "replication"])).includes("master_link_status:up");
        while (Date.now() < deadline) {
          const checks = [replicaUp(), ...sentinels.map(ok)].map((c) => c.catch(() => false));
          if ((await Promise.all(checks)).every(Boolean)) return;
          await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`the Redis Sentinel set in ${dir} did not settle within ${timeoutMs} ms`);
      },
      stop,
    };
    return set;
  } catch (err) {
    await stop();
    throw err;
  }
}
