import { describe, expect, it } from "vitest";
import { ConfigError, leaderElectedConfig } from "./env.js";

const { loadConfig } = leaderElectedConfig({ httpPort: 8181, leaseName: "kubedump-test", resyncSeconds: 42 });
const SENTINEL = { REDIS_SENTINELS: "s1:26379,s2:26380", REDIS_SENTINEL_MASTER: "kubedump" };

describe("the Redis variables", () => {
  it.each([
    ["a plain URL", { REDIS_URL: "rediss://:pw@redis:6380/1" }, { url: "rediss://:pw@redis:6380/1" }],
    [
      "Sentinel, as ioredis takes it",
      SENTINEL,
      {
        sentinels: [
          { host: "s1", port: 26379 },
          { host: "s2", port: 26380 },
        ],
        name: "kubedump",
      },
    ],
    [
      "Sentinel with both passwords",
      { ...SENTINEL, REDIS_PASSWORD: "data-pw", REDIS_SENTINEL_PASSWORD: "sentinel-pw" },
      { password: "data-pw", sentinelPassword: "sentinel-pw" },
    ],
    [
      "sentinels without a port (26379), IPv6, spaces after commas",
      { REDIS_SENTINELS: "redis-sentinel, [::1]:26390 ,[fd00::2]", REDIS_SENTINEL_MASTER: " m " },
      {
        sentinels: [
          { host: "redis-sentinel", port: 26379 },
          { host: "::1", port: 26390 },
          { host: "fd00::2", port: 26379 },
        ],
        name: "m",
      },
    ],
  ])("name the Redis to use: %s", (_what, env, redis) => {
    expect(loadConfig(env).redis).toMatchObject(redis);
  });

  it.each([
    ["neither", {}, "REDIS_URL: required (or REDIS_SENTINELS and REDIS_SENTINEL_MASTER for Sentinel)"],
    [
      "both",
      { REDIS_URL: "redis://r:6379", ...SENTINEL },
      "REDIS_URL, REDIS_SENTINELS: set one of them, not both (a plain Redis, or Redis Sentinel)",
    ],
    [
      "sentinels without the master's name",
      { REDIS_SENTINELS: "s1:26379" },
      "REDIS_SENTINEL_MASTER: required with REDIS_SENTINELS (the master group's name the sentinels monitor)",
    ],
    [
      "Sentinel's variables beside a URL",
      { REDIS_URL: "redis://r:6379", REDIS_SENTINEL_MASTER: "m", REDIS_PASSWORD: "pw-pw-pw-pw" },
      "REDIS_SENTINEL_MASTER, REDIS_PASSWORD: only read with REDIS_SENTINELS (with REDIS_URL a password goes in the URL)",
    ],
    [
      "an entry without a host",
      { ...SENTINEL, REDIS_SENTINELS: "s1:26379,:26379" },
      'REDIS_SENTINELS: entry 2 of 2 ":26379" is not host:port',
    ],
    ["an empty entry", { ...SENTINEL, REDIS_SENTINELS: "s1:26379,," }, "REDIS_SENTINELS: entry 2 of 3 is empty"],
    ["a port out of range", { ...SENTINEL, REDIS_SENTINELS: "s1:70000" }, 'entry 1 of 1 "s1:70000" is not host:port'],
    [
      "a URL for a sentinel (not echoed: it may hold a password)",
      { ...SENTINEL, REDIS_SENTINELS: "redis://:pw@s1:26379" },
      /^invalid configuration: REDIS_SENTINELS: entry 1 of 1 is a URL, not host:port \(passwords go in/,
    ],
    ["a blank master name", { ...SENTINEL, REDIS_SENTINEL_MASTER: "  " }, "REDIS_SENTINEL_MASTER: "],
  ])(
    "are refused with a message naming the variable: %s",
    (_what, env: Record<string, string>, message: string | RegExp) => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    },
  );

  it("never echo a password in an error", () => {
    const env = {
      REDIS_URL: "redis://r:6379",
      REDIS_PASSWORD: "hunter2hunter2",
      REDIS_SENTINEL_PASSWORD: "s3cret-s3cret",
    };
    const message = (() => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toMatch(/REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD: only read with REDIS_SENTINELS/);
    expect(message).not.toMatch(/hunter2|s3cret/);
  });
});
