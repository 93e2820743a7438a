import { join } from "node:path";
import * as dumpWorkerConfig from "@kubedump/dump-worker/config";
import * as gatewayConfig from "@kubedump/metrics-gateway/config";
import * as schedulerConfig from "@kubedump/scheduler/config";
import * as watcherConfig from "@kubedump/watcher/config";
import { describe, expect, it } from "vitest";
import type { Obj } from "./harness.js";
import { CI, envOf, render, type Service, serviceOf, workloads } from "./helm-chart.js";

// The chart pointed at an external Redis Sentinel set-up (redis.external.sentinel): what each
// service gets, what the services make of it, and the contradictions it refuses.

const LOADERS: Record<Service, (env: NodeJS.ProcessEnv) => { redis: unknown }> = {
  watcher: watcherConfig.loadConfig,
  scheduler: schedulerConfig.loadConfig,
  "dump-worker": dumpWorkerConfig.loadConfig,
  "metrics-gateway": gatewayConfig.loadConfig,
};
const SENTINEL_VALUES = ["-f", join(CI, "sentinel-values.yaml")];
const plain = ["--set", "redis.bundled.enabled=false", "--set", "redis.external.sentinel.masterName=m"];
const hosts = (...h: string[]) => h.flatMap((host, i) => ["--set", `redis.external.sentinel.hosts[${i}]=${host}`]);

/** Each Deployment's container env, by service. */
async function envs(args: string[]): Promise<Map<Service, { raw: Obj[]; env: Record<string, string> }>> {
  const objs = await render(args);
  return new Map(
    workloads(objs)
      .filter((w) => w.kind === "Deployment")
      .map((w) => {
        const c = w.spec.template.spec.containers[0];
        return [serviceOf(w)!, { raw: c.env as Obj[], env: envOf(c, objs) }];
      }),
  );
}

describe("the chart with redis.external.sentinel", () => {
  it("gives every service the sentinels, the master group and the passwords from the user's Secret, and no REDIS_URL", async () => {
    const objs = await render(SENTINEL_VALUES);
    expect(objs.filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "redis")).toEqual([]);
    const byService = await envs(SENTINEL_VALUES);
    expect([...byService.keys()].sort()).toEqual(["dump-worker", "metrics-gateway", "scheduler", "watcher"]);
    for (const [service, { raw, env }] of byService) {
      expect(env.REDIS_URL, service).toBeUndefined();
      expect(env.REDIS_SENTINELS, service).toBe(
        "redis-node-0.redis-headless.redis.svc:26379,redis-node-1.redis-headless.redis.svc:26379,redis-node-2.redis-headless.redis.svc",
      );
      expect(env.REDIS_SENTINEL_MASTER, service).toBe("mymaster");
      const secretRef = (name: string) => raw.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
      expect(secretRef("REDIS_PASSWORD"), service).toEqual({ name: "redis-sentinel-auth", key: "redis-password" });
      expect(secretRef("REDIS_SENTINEL_PASSWORD"), service).toEqual({
        name: "redis-sentinel-auth",
        key: "sentinel-password",
      });
      // What the service makes of it: the sentinels as ioredis takes them (26379 where no port is given).
      expect(LOADERS[service](env).redis, service).toEqual({
        sentinels: [
          { host: "redis-node-0.redis-headless.redis.svc", port: 26379 },
          { host: "redis-node-1.redis-headless.redis.svc", port: 26379 },
          { host: "redis-node-2.redis-headless.redis.svc", port: 26379 },
        ],
        name: "mymaster",
        password: "from-existing-secret",
        sentinelPassword: "from-existing-secret",
      });
    }
  });

  it.each([
    ["no Secret: no password variables", [], []],
    [
      "a Secret with the data nodes' password only",
      ["--set", "redis.external.sentinel.existingSecret=auth", "--set", "redis.external.sentinel.sentinelPasswordKey="],
      ["REDIS_PASSWORD"],
    ],
    [
      "a Secret with the sentinels' password only",
      [
        ...["--set", "redis.external.sentinel.existingSecret=auth", "--set", "redis.external.sentinel.passwordKey="],
        ...["--set", "redis.external.sentinel.sentinelPasswordKey=sp"],
      ],
      ["REDIS_SENTINEL_PASSWORD"],
    ],
  ])("sets the password variables its values name: %s", async (_what, extra, expected) => {
    for (const [service, { env }] of await envs([...plain, ...hosts("s1:26379"), ...extra])) {
      expect(
        Object.keys(env).filter((k) => k.includes("PASSWORD")),
        service,
      ).toEqual(expected);
      expect(() => LOADERS[service](env), service).not.toThrow();
    }
  });

  it("rolls the Pods when the sentinels change", async () => {
    const checksum = async (args: string[]) =>
      workloads(await render(args)).map((w) => w.spec.template.metadata.annotations?.["checksum/secrets"]);
    const before = await checksum([...plain, ...hosts("s1:26379")]);
    expect(before.every(Boolean)).toBe(true);
    expect(await checksum([...plain, ...hosts("s1:26379", "s2:26379")])).not.toEqual(before);
  });

  it.each([
    [
      "Sentinel beside the bundled Redis",
      ["--set", "redis.external.sentinel.masterName=m", ...hosts("s1:26379")],
      /redis.external.sentinel replaces the bundled Redis and redis.external.url\/existingSecret/,
    ],
    [
      "Sentinel beside a URL",
      [...plain, ...hosts("s1:26379"), "--set", "redis.external.url=redis://r:6379"],
      /redis.external.sentinel replaces the bundled Redis/,
    ],
    [
      "sentinels without the master group",
      ["--set", "redis.bundled.enabled=false", ...hosts("s1:26379")],
      /redis.external.sentinel.masterName is required with redis.external.sentinel.hosts/,
    ],
    [
      "a master group without sentinels",
      ["--set", "redis.external.sentinel.masterName=m"],
      /redis.external.sentinel.masterName is set but redis.external.sentinel.hosts is empty/,
    ],
    ["a URL for a sentinel", [...plain, ...hosts("redis://:pw@s1:26379")], /hosts\/0/],
  ])("refuses %s", async (_what, args, message) => {
    await expect(render(args)).rejects.toThrow(message);
  });
});
