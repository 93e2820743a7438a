import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError, leaderElectedConfig } from "./env.js";

const { ENV_VARS, loadConfig } = leaderElectedConfig({ httpPort: 8181, leaseName: "kubedump-test", resyncSeconds: 42 });
const REDIS_URL = "redis://127.0.0.1:6379";

describe("leaderElectedConfig", () => {
  it("lists every variable loadConfig reads", () => {
    expect([...ENV_VARS].sort()).toEqual(
      [
        ...["KUBECONFIG", "REDIS_URL", "QUEUE_PREFIX", "HTTP_HOST", "LOG_LEVEL", "POD_NAME"],
        ...["REDIS_SENTINELS", "REDIS_SENTINEL_MASTER", "REDIS_PASSWORD", "REDIS_SENTINEL_PASSWORD"],
        ...["LEADER_ELECTION", "LEASE_NAMESPACE", "LEASE_DURATION_SECONDS"],
        ...["HTTP_PORT", "LEASE_NAME", "RESYNC_SECONDS", "WATCH_NAMESPACE"],
      ].sort(),
    );
  });

  it("takes the service's own defaults and the shared ones, and names the replica after its host and pid", () => {
    expect(loadConfig({ REDIS_URL })).toEqual({
      REDIS_URL,
      redis: { url: REDIS_URL },
      QUEUE_PREFIX: "kubedump",
      HTTP_HOST: "0.0.0.0",
      LOG_LEVEL: "info",
      LEADER_ELECTION: "true",
      LEASE_NAMESPACE: "kubedump-system",
      LEASE_DURATION_SECONDS: 15,
      HTTP_PORT: 8181,
      LEASE_NAME: "kubedump-test",
      RESYNC_SECONDS: 42,
      identity: `${hostname()}-${process.pid}`,
    });
  });

  it("reads what is set, the Pod's name as the identity", () => {
    const env = { REDIS_URL, HTTP_PORT: "9000", LEASE_NAME: "mine", RESYNC_SECONDS: "5", WATCH_NAMESPACE: "demo" };
    expect(loadConfig({ ...env, POD_NAME: "pod-0" })).toMatchObject({
      HTTP_PORT: 9000,
      LEASE_NAME: "mine",
      RESYNC_SECONDS: 5,
      WATCH_NAMESPACE: "demo",
      identity: "pod-0",
    });
  });

  it.each([
    ["RESYNC_SECONDS", "0"],
    ["HTTP_PORT", "70000"],
    ["LEASE_DURATION_SECONDS", "1"],
    ["REDIS_URL", "http://x"],
  ])("rejects %s=%s, naming the variable", (name, value) => {
    expect(() => loadConfig({ REDIS_URL, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_URL, [name]: value })).toThrow(new RegExp(`${name}: `));
  });
});
