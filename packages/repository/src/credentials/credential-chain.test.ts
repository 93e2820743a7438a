import { describe, expect, it } from "vitest";
import { CredentialsError } from "../errors.js";
import type { AwsCredentials, CredentialSource } from "./aws-credentials.js";
import { cachedCredentials } from "./cached-credentials.js";
import { awsChainSource } from "./credential-chain.js";

describe("awsChainSource", () => {
  it.each([
    [{ AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "s3cr3t", AWS_ROLE_ARN: "r" }, "the environment"],
    [
      { AWS_ROLE_ARN: "arn:aws:iam::1:role/r", AWS_WEB_IDENTITY_TOKEN_FILE: "/t", AWS_REGION: "eu-west-1" },
      "STS https://sts.eu-west-1.amazonaws.com",
    ],
    [{ AWS_ROLE_ARN: "arn:aws:iam::1:role/r", AWS_WEB_IDENTITY_TOKEN_FILE: "/t" }, "STS https://sts.amazonaws.com"],
    [
      { AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://169.254.170.23/v1/credentials" },
      "container credentials (http://169.254.170.23/v1/credentials)",
    ],
    [{ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/creds" }, "container credentials (http://169.254.170.2/v2/creds)"],
    [{}, "instance metadata (http://169.254.169.254)"],
  ])("takes the first link the environment sets: %j", (env, description) => {
    expect(awsChainSource(env).description).toContain(description);
  });

  it.each([
    [{ AWS_ACCESS_KEY_ID: "AKIAEXAMPLE" }, "environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"],
    [{ AWS_WEB_IDENTITY_TOKEN_FILE: "/t" }, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not"],
    [
      { AWS_ROLE_ARN: "r", AWS_WEB_IDENTITY_TOKEN_FILE: "/t", AWS_ENDPOINT_URL_STS: "sts:443" },
      "AWS_ENDPOINT_URL_STS: not an http(s) URL",
    ],
    [{ AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://10.0.0.1/creds" }, "plain http only to a loopback address"],
  ])("refuses a half-set or wrong environment at once: %j", (env, message) => {
    expect(() => awsChainSource(env)).toThrow(message);
  });

  it("says what it tried when nothing is set and instance metadata is off", async () => {
    const error = await awsChainSource({ AWS_EC2_METADATA_DISABLED: "true" })
      .fetch()
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^no S3 credentials: tried the AWS chain: environment .*; web identity .*; container credentials .*; no source \(instance metadata disabled/,
    );
  });
});

/** An in-memory source: hands out numbered credentials expiring `lifetimeMs` after the clock, or fails. */
function countingSource(clock: { now: number }, lifetimeMs: number | undefined) {
  const state = { fetches: 0, fail: false };
  const source: CredentialSource = {
    description: "counting",
    async fetch(): Promise<AwsCredentials> {
      state.fetches += 1;
      await new Promise((r) => setTimeout(r, 5));
      if (state.fail) throw new CredentialsError("the source is away", { transient: true });
      const expiration = lifetimeMs === undefined ? undefined : new Date(clock.now + lifetimeMs);
      return { accessKey: `key-${state.fetches}`, secretKey: "s", expiration };
    },
  };
  return { source, state };
}

describe("cachedCredentials", () => {
  it("shares one fetch among callers waiting at once, and keeps long-term keys for good", async () => {
    const clock = { now: 0 };
    const { source, state } = countingSource(clock, undefined);
    const provider = cachedCredentials(source, { now: () => clock.now });
    const got = await Promise.all([provider.get(), provider.get(), provider.get()]);
    expect(got.map((c) => c.accessKey)).toEqual(["key-1", "key-1", "key-1"]);
    clock.now += 365 * 24 * 3600_000;
    expect((await provider.get()).accessKey).toBe("key-1");
    expect(state.fetches).toBe(1);
  });

  it.each([
    ["an hour", 3600_000, 3600_000 - 5 * 60_000],
    ["4 minutes (renewed at half their life)", 4 * 60_000, 2 * 60_000],
  ])("renews credentials that last %s at %d ms", async (_l, lifetime, renewAt) => {
    const clock = { now: 0 };
    const { source } = countingSource(clock, lifetime);
    const provider = cachedCredentials(source, { now: () => clock.now });
    await provider.get();
    clock.now = renewAt - 1;
    expect((await provider.get()).accessKey).toBe("key-1");
    clock.now = renewAt;
    expect((await provider.get()).accessKey).toBe("key-2");
  });

  it("keeps still-valid credentials through a failed renewal, retries later, fails once they expired", async () => {
    const clock = { now: 0 };
    const { source, state } = countingSource(clock, 3600_000);
    const provider = cachedCredentials(source, { now: () => clock.now, retryRenewalMs: 10_000 });
    await provider.get();
    state.fail = true;
    clock.now = 3600_000 - 60_000;
    expect((await provider.get()).accessKey).toBe("key-1");
    expect((await provider.get()).accessKey).toBe("key-1");
    expect(state.fetches).toBe(2); // not asked again within retryRenewalMs
    clock.now += 10_000;
    await provider.get();
    expect(state.fetches).toBe(3);
    clock.now = 3600_000;
    await expect(provider.get()).rejects.toThrow("the source is away");
  });
});
