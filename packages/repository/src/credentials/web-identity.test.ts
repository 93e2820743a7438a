// Web identity against a real STS: a MinIO of this file's own whose OpenID provider is the test API
// server, and ServiceAccount tokens from TokenRequest, as IRSA hands them to a Pod.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  expiredServiceAccountToken,
  kubeHttp,
  type StsMinio,
  serviceAccountToken,
  startStsMinio,
} from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CredentialsError } from "../errors.js";
import { openRepositoryFromBackend } from "../open-from-backend.js";
import { collect } from "../test-support.js";
import { createS3ObjectStore } from "../stores/s3-object-store.js";
import { cachedCredentials } from "./cached-credentials.js";
import { createAwsCredentialChain } from "./credential-chain.js";
import { webIdentitySource } from "./web-identity.js";

const t = inject("testenv");
const NS = "kubedump-sts-unit";
const SA = "dump-worker";
const BUCKET = "kubedump-sts";
let tmp: string;
let sts: StsMinio;
let token: string;

const tokenFile = async (name: string, content: string): Promise<string> => {
  const path = join(tmp, name);
  await writeFile(path, content);
  return path;
};
const chainEnv = (file: string) => ({
  AWS_ROLE_ARN: sts.roleArn,
  AWS_WEB_IDENTITY_TOKEN_FILE: file,
  AWS_ENDPOINT_URL_STS: sts.endpoint,
});

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-sts-test-"));
  sts = await startStsMinio(t, join(tmp, "minio"), `kubedump-unit-${randomBytes(3).toString("hex")}`);
  await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: NS } } });
  token = await serviceAccountToken(t, NS, SA, { audience: sts.clientId });
});

afterAll(async () => {
  await sts?.process.stop();
  await rm(tmp, { recursive: true, force: true });
});

describe("web identity against MinIO's STS", () => {
  it("gives a store without keys temporary credentials that write and read", async () => {
    const chain = createAwsCredentialChain({ env: chainEnv(await tokenFile("token", token)) });
    const credentials = await chain.get();
    expect(credentials.sessionToken).toBeTruthy();
    // Without DurationSeconds, MinIO's credentials last as long as the token (10 minutes).
    expect(credentials.expiration!.getTime()).toBeGreaterThan(Date.now() + 5 * 60_000);
    const store = createS3ObjectStore({ endpoint: sts.endpoint, bucket: BUCKET, prefix: "chain", credentials: chain });
    await store.put("a/b.txt", Buffer.from("through STS"));
    expect((await store.getBuffer("a/b.txt")).toString()).toBe("through STS");
    expect((await collect(store.list("a/"))).map((e) => e.key)).toEqual(["a/b.txt"]);
  });

  it("opens a Repository whose Secret holds no keys", async () => {
    const credentials = createAwsCredentialChain({ env: chainEnv(await tokenFile("token-repo", token)) });
    const backend = { s3: { endpoint: sts.endpoint, bucket: BUCKET, prefix: "repo" } };
    const repository = await openRepositoryFromBackend({ backend, secret: {}, credentials, label: "Repository x/y" });
    expect(await repository.listSnapshots()).toEqual([]);
  });

  it.each([
    [
      "a token for another audience",
      () => serviceAccountToken(t, NS, SA, { audience: "someone-else" }),
      /audience someone-else/,
    ],
    [
      "a token that expired",
      async () =>
        expiredServiceAccountToken(t, { audience: sts.clientId, subject: `system:serviceaccount:${NS}:${SA}` }),
      /EXPIRED at/,
    ],
    ["a token that is no JWT", async () => "not-a-jwt-but-long-enough", /it is not a JWT/],
  ])("refuses %s with a message naming the Repository, role and file, not the token", async (_l, make, reason) => {
    const bad = await make();
    const file = await tokenFile(`bad-${randomBytes(3).toString("hex")}`, bad);
    const credentials = createAwsCredentialChain({ env: chainEnv(file) });
    const backend = { s3: { endpoint: sts.endpoint, bucket: BUCKET, prefix: "refused" } };
    const error = await openRepositoryFromBackend({
      backend,
      secret: {},
      credentials,
      label: "Repository demo/repo",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Repository demo\/repo: web identity \(role arn:minio:iam:::role\//);
    expect(message).toContain(`token file ${file}`);
    expect(message).toContain("the STS refused the token");
    expect(message).toMatch(reason);
    expect(message).not.toContain(bad);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(bad);
  });

  it("names a missing token file and the volume that should hold it", async () => {
    const missing = join(tmp, "no-such-token");
    const error = await createAwsCredentialChain({ env: chainEnv(missing) })
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toContain(
      `token file ${missing}, STS ${sts.endpoint}): cannot read the token file: ENOENT`,
    );
    expect((error as Error).message).toMatch(/projected ServiceAccount token volume/);
  });
});

describe("renewal", () => {
  it("renews before expiry, reading the token file again, and keeps working credentials while it cannot", async () => {
    const file = await tokenFile("rotating", token);
    const source = webIdentitySource({
      roleArn: sts.roleArn,
      tokenFile: file,
      stsEndpoint: new URL(sts.endpoint),
      durationSeconds: 900, // the shortest an STS gives
    });
    let clock = Date.now();
    const provider = cachedCredentials(source, { now: () => clock });
    const first = await provider.get();
    expect(first.expiration!.getTime() - Date.now()).toBeLessThanOrEqual(900_000);
    expect(await provider.get()).toBe(first); // cached

    clock += 11 * 60_000; // inside the last 5 minutes: renewed, with the kubelet's next token
    await writeFile(file, await serviceAccountToken(t, NS, SA, { audience: sts.clientId }));
    const second = await provider.get();
    expect(second.accessKey).not.toBe(first.accessKey);
    const store = createS3ObjectStore({
      endpoint: sts.endpoint,
      bucket: BUCKET,
      prefix: "renewed",
      credentials: { description: "renewed", get: async () => second },
    });
    await store.put("k", Buffer.from("renewed"));

    clock = second.expiration!.getTime() - 60_000; // due again, but the token file now holds one STS refuses
    await writeFile(file, "garbage-token-from-a-broken-mount");
    expect(await provider.get()).toBe(second); // still valid: kept, renewal tried again later
    clock = second.expiration!.getTime() + 1000; // expired: the failure is the caller's
    await expect(provider.get()).rejects.toThrow(/the STS refused the token.*it is not a JWT/);
  });
});
