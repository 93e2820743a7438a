import { describe, expect, it } from "vitest";
import {
  ConfigError,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_GATEWAY_KEY_PREFIX,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_QUEUE_PREFIX,
  loadConfig,
} from "./config.js";

const REDIS_URL = "redis://127.0.0.1:6379";

describe("loadConfig", () => {
  it("applies the defaults", () => {
    expect(loadConfig({ REDIS_URL })).toEqual({
      port: DEFAULT_PORT,
      host: DEFAULT_HOST,
      redisUrl: REDIS_URL,
      queuePrefix: DEFAULT_QUEUE_PREFIX,
      keyPrefix: DEFAULT_GATEWAY_KEY_PREFIX,
      bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
      logLevel: "info",
    });
  });

  it("reads every variable, treats empty ones as unset, and trims the token", () => {
    const config = loadConfig({
      REDIS_URL,
      PORT: "0",
      HOST: "",
      QUEUE_PREFIX: "q",
      GATEWAY_KEY_PREFIX: "g",
      BODY_LIMIT_BYTES: "2048",
      PUSH_TOKEN: "s3cret\n",
      LOG_LEVEL: "debug",
    });
    expect(config).toEqual({
      port: 0,
      host: DEFAULT_HOST,
      redisUrl: REDIS_URL,
      queuePrefix: "q",
      keyPrefix: "g",
      bodyLimitBytes: 2048,
      pushToken: "s3cret",
      logLevel: "debug",
    });
  });

  it.each([
    ["REDIS_URL missing", {}, /^invalid environment: REDIS_URL: /],
    ["REDIS_URL not a redis URL", { REDIS_URL: "http://x" }, /REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/],
    ["PORT not a number", { REDIS_URL, PORT: "http" }, /PORT: /],
    ["PORT out of range", { REDIS_URL, PORT: "70000" }, /PORT: /],
    ["BODY_LIMIT_BYTES zero", { REDIS_URL, BODY_LIMIT_BYTES: "0" }, /BODY_LIMIT_BYTES: /],
    ["PUSH_TOKEN empty", { REDIS_URL, PUSH_TOKEN: " " }, /PUSH_TOKEN: must not be empty/],
    ["LOG_LEVEL unknown", { REDIS_URL, LOG_LEVEL: "loud" }, /LOG_LEVEL: /],
  ])("fails naming the variable: %s", (_title, env: Record<string, string>, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
