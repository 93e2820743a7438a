import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

/** The JSON lines a logger writes, parsed. */
function capture() {
  const lines: string[] = [];
  const log = createLogger("logger-test", "info", { write: (line: string) => void lines.push(line) });
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("createLogger", () => {
  it("writes JSON lines naming the service", () => {
    const { log, parsed } = capture();
    log.info({ namespace: "demo" }, "hello");
    expect(parsed()).toEqual([expect.objectContaining({ service: "logger-test", namespace: "demo", msg: "hello" })]);
  });

  it.each([
    ["a top-level token", { token: "s3cret" }, { token: "[redacted]" }],
    ["a password one level down", { secret: { password: "s3cret" } }, { secret: { password: "[redacted]" } }],
    [
      "an Authorization header of a request",
      { req: { method: "PUT", headers: { authorization: "Bearer s3cret", accept: "*/*" } } },
      { req: { method: "PUT", headers: { authorization: "[redacted]", accept: "*/*" } } },
    ],
    ["top-level headers", { headers: { cookie: "sid=s3cret" } }, { headers: { cookie: "[redacted]" } }],
    [
      "Secret keys of a storage Secret",
      { secret: { AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s3cret", ENCRYPTION_PASSWORD: "s3cret" } },
      { secret: { AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "[redacted]", ENCRYPTION_PASSWORD: "[redacted]" } },
    ],
    [
      "the services' tokens in a config",
      { config: { PUSH_TOKEN: "s3cret", METRICS_GATEWAY_TOKEN: "s3cret", HTTP_PORT: 9091 } },
      { config: { PUSH_TOKEN: "[redacted]", METRICS_GATEWAY_TOKEN: "[redacted]", HTTP_PORT: 9091 } },
    ],
    [
      "the password in a Redis URL, keeping the rest",
      { REDIS_URL: "redis://:s3cret@redis.example.com:6380/2", config: { redisUrl: "rediss://u:s3cret@r:6379" } },
      {
        REDIS_URL: "redis://:***@redis.example.com:6380/2",
        config: { redisUrl: "rediss://u:***@r:6379" },
      },
    ],
    [
      "the Redis Sentinel passwords in a config and in ioredis's options",
      {
        config: { REDIS_PASSWORD: "s3cret", REDIS_SENTINEL_PASSWORD: "s3cret" },
        redis: { sentinelPassword: "s3cret" },
      },
      {
        config: { REDIS_PASSWORD: "[redacted]", REDIS_SENTINEL_PASSWORD: "[redacted]" },
        redis: { sentinelPassword: "[redacted]" },
      },
    ],
    ["a Redis URL that does not parse", { REDIS_URL: "not a url s3cret" }, { REDIS_URL: "[redacted]" }],
  ])("redacts %s", (_what, fields, expected) => {
    const { log, lines, parsed } = capture();
    log.warn(fields, "something happened");
    expect(lines.join("")).not.toContain("s3cret");
    expect(parsed()[0]).toMatchObject(expected);
  });
});
