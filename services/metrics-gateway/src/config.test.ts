import { ConfigError } from "@kubedump/service";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_GATEWAY_KEY_PREFIX,
  DEFAULT_HTTP_PORT,
  describeConfig,
  ENV_ALIASES,
  ENV_VARS,
  loadConfig,
} from "./config.js";

const REDIS_URL = "redis://127.0.0.1:6379";

describe("loadConfig", () => {
  it("applies the defaults: Pushgateway's port 9091 on every address", () => {
    expect(loadConfig({ REDIS_URL })).toEqual({
      REDIS_URL,
      redis: { url: REDIS_URL },
      QUEUE_PREFIX: "kubedump",
      HTTP_HOST: "0.0.0.0",
      HTTP_PORT: DEFAULT_HTTP_PORT,
      LOG_LEVEL: "info",
      GATEWAY_KEY_PREFIX: DEFAULT_GATEWAY_KEY_PREFIX,
      BODY_LIMIT_BYTES: DEFAULT_BODY_LIMIT_BYTES,
      ENABLE_ADMIN_API: "false",
    });
    expect(DEFAULT_HTTP_PORT).toBe(9091);
  });

  it("reads every variable, treats empty ones as unset, and trims the token", () => {
    const config = loadConfig({
      REDIS_URL,
      HTTP_PORT: "0",
      HTTP_HOST: "",
      QUEUE_PREFIX: "q",
      GATEWAY_KEY_PREFIX: "g",
      BODY_LIMIT_BYTES: "2048",
      PUSH_TOKEN: "s3cret\n",
      LOG_LEVEL: "debug",
      ENABLE_ADMIN_API: "true",
    });
    expect(config).toEqual({
      REDIS_URL,
      redis: { url: REDIS_URL },
      HTTP_PORT: 0,
      HTTP_HOST: "0.0.0.0",
      QUEUE_PREFIX: "q",
      GATEWAY_KEY_PREFIX: "g",
      BODY_LIMIT_BYTES: 2048,
      PUSH_TOKEN: "s3cret",
      LOG_LEVEL: "debug",
      ENABLE_ADMIN_API: "true",
    });
  });

  it.each([
    ["PORT and HOST alone", { PORT: "9100", HOST: "127.0.0.1" }, 9100, "127.0.0.1"],
    ["HTTP_PORT and HTTP_HOST alone", { HTTP_PORT: "9200", HTTP_HOST: "::1" }, 9200, "::1"],
    ["both: HTTP_* win", { PORT: "9100", HOST: "127.0.0.1", HTTP_PORT: "9200", HTTP_HOST: "::1" }, 9200, "::1"],
    ["an empty HTTP_PORT: PORT", { PORT: "9100", HTTP_PORT: "" }, 9100, "0.0.0.0"],
  ])("reads PORT and HOST as aliases of HTTP_PORT and HTTP_HOST: %s", (_title, vars, port, host) => {
    expect(loadConfig({ REDIS_URL, ...vars })).toMatchObject({ HTTP_PORT: port, HTTP_HOST: host });
  });

  it("lists every variable it reads, aliases included", () => {
    expect([...ENV_VARS].sort()).toEqual(
      [
        "REDIS_URL",
        "REDIS_SENTINELS",
        "REDIS_SENTINEL_MASTER",
        "REDIS_PASSWORD",
        "REDIS_SENTINEL_PASSWORD",
        "QUEUE_PREFIX",
        "HTTP_HOST",
        "HTTP_PORT",
        "LOG_LEVEL",
        "GATEWAY_KEY_PREFIX",
        "BODY_LIMIT_BYTES",
        "PUSH_TOKEN",
        "ENABLE_ADMIN_API",
        "PORT",
        "HOST",
      ].sort(),
    );
    expect(ENV_ALIASES).toEqual({ PORT: "HTTP_PORT", HOST: "HTTP_HOST" });
  });

  it.each([
    ["REDIS_URL missing", {}, /^invalid configuration: REDIS_URL: /],
    ["REDIS_URL not a redis URL", { REDIS_URL: "http://x" }, /REDIS_URL: a redis:\/\/ or rediss:\/\/ URL/],
    ["PORT not a number", { REDIS_URL, PORT: "http" }, /: PORT: /],
    ["HTTP_PORT out of range", { REDIS_URL, HTTP_PORT: "70000", PORT: "80" }, /: HTTP_PORT: /],
    ["BODY_LIMIT_BYTES zero", { REDIS_URL, BODY_LIMIT_BYTES: "0" }, /BODY_LIMIT_BYTES: /],
    ["PUSH_TOKEN empty", { REDIS_URL, PUSH_TOKEN: "" }, /PUSH_TOKEN: must not be empty/],
    ["PUSH_TOKEN blank", { REDIS_URL, PUSH_TOKEN: " " }, /PUSH_TOKEN: must not be empty/],
    ["LOG_LEVEL unknown", { REDIS_URL, LOG_LEVEL: "loud" }, /LOG_LEVEL: /],
    ["ENABLE_ADMIN_API not true or false", { REDIS_URL, ENABLE_ADMIN_API: "yes" }, /ENABLE_ADMIN_API: /],
  ])("fails naming the variable as it was set: %s", (_title, env: Record<string, string>, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe("describeConfig", () => {
  it("logs neither the push token nor the Redis URL (a Secret's value in the chart), only Redis's host", () => {
    const config = loadConfig({
      REDIS_URL: "redis://:hunter2hunter2@redis.example:6380/0",
      PUSH_TOKEN: "tok-tok-tok-tok",
    });
    const text = JSON.stringify(describeConfig(config));
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("redis://");
    expect(text).not.toContain("tok-tok");
    expect(describeConfig(config)).toMatchObject({ redisHost: "redis.example:6380", pushTokenSet: true });
  });

  it("logs the sentinels and the master group, never the Redis or sentinel password", () => {
    const config = loadConfig({
      REDIS_SENTINELS: "s1.example:26379,s2.example:26380",
      REDIS_SENTINEL_MASTER: "kubedump",
      REDIS_PASSWORD: "hunter2hunter2",
      REDIS_SENTINEL_PASSWORD: "sentinel-secret",
    });
    const text = JSON.stringify(describeConfig(config));
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("sentinel-secret");
    expect(describeConfig(config)).toMatchObject({
      redisHost: "sentinels s1.example:26379,s2.example:26380 master kubedump",
    });
  });
});
