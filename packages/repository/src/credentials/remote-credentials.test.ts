// Container credentials (EKS Pod Identity's shape) and instance metadata (IMDSv2): each served
// here by a small agent in the test that hands out real temporary credentials from the test
// MinIO's STS (AssumeRole, through minio's own provider), so a store signs real requests with them.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPki } from "@kubedump/testenv";
import { AssumeRoleProvider } from "minio/dist/esm/AssumeRoleProvider.mjs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CredentialsError } from "../errors.js";
import { createS3ObjectStore } from "../stores/s3-object-store.js";
import { createAwsCredentialChain } from "./credential-chain.js";

const t = inject("testenv");
const BUCKET = "kubedump-remote-credentials";
const POD_TOKEN = `pod-identity-${randomBytes(12).toString("hex")}`;
const IMDS_TOKEN = `imds-session-${randomBytes(12).toString("hex")}`;
let tmp: string;
let agent: Server;
let base: string;
/** The Authorization values the container endpoint saw, in order. */
const seen: string[] = [];

/** Real temporary credentials, as the agents serve them (one JSON format for both). */
async function temporaryCredentialsJson(): Promise<string> {
  const sts = new AssumeRoleProvider({ stsEndpoint: t.s3Endpoint, accessKey: t.accessKey, secretKey: t.secretKey });
  const c = await sts.getCredentials();
  const expiration = new Date(Date.now() + 15 * 60_000).toISOString();
  return JSON.stringify({
    Code: "Success",
    AccessKeyId: c.accessKey,
    SecretAccessKey: c.secretKey,
    Token: c.sessionToken,
    Expiration: expiration,
  });
}

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reply = (status: number, body = ""): void => void res.writeHead(status).end(body);
  const path = req.url ?? "";
  if (path === "/v1/credentials") {
    seen.push(String(req.headers.authorization));
    return req.headers.authorization === POD_TOKEN ? reply(200, await temporaryCredentialsJson()) : reply(401);
  }
  if (path === "/latest/api/token") {
    if (req.method !== "PUT" || !req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) return reply(400);
    return reply(200, IMDS_TOKEN);
  }
  if (req.headers["x-aws-ec2-metadata-token"] !== IMDS_TOKEN) return reply(401);
  if (path === "/latest/meta-data/iam/security-credentials/") return reply(200, "kubedump-node-role\n");
  if (path === "/latest/meta-data/iam/security-credentials/kubedump-node-role")
    return reply(200, await temporaryCredentialsJson());
  reply(404);
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-remote-creds-"));
  agent = createServer((req, res) => void serve(req, res).catch(() => res.writeHead(500).end()));
  await new Promise<void>((done) => agent.listen(0, "127.0.0.1", done));
  base = `http://127.0.0.1:${(agent.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((done) => agent.close(done));
  await rm(tmp, { recursive: true, force: true });
});

async function roundTrip(env: Record<string, string>, prefix: string): Promise<string> {
  const store = createS3ObjectStore({
    endpoint: t.s3Endpoint,
    bucket: BUCKET,
    prefix,
    credentials: createAwsCredentialChain({ env }),
  });
  await store.put("k", Buffer.from(prefix));
  return (await store.getBuffer("k")).toString();
}

describe("container credentials", () => {
  it("sign requests with what the agent hands out for the token in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", async () => {
    const file = join(tmp, "eks-pod-identity-token");
    await writeFile(file, POD_TOKEN);
    const env = {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${base}/v1/credentials`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file,
    };
    expect(await roundTrip(env, "pod-identity")).toBe("pod-identity");
    expect(seen.at(-1)).toBe(POD_TOKEN);
  });

  it("read the token file for every fetch, and name the agent, not the token, when it refuses", async () => {
    const file = join(tmp, "rotated-token");
    const stale = `stale-${randomBytes(12).toString("hex")}`;
    await writeFile(file, stale);
    const chain = createAwsCredentialChain({
      env: {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${base}/v1/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file,
      },
    });
    const error = await chain.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toBe(`container credentials (${base}/v1/credentials): the answer is HTTP 401`);
    await writeFile(file, POD_TOKEN); // the agent's rotation
    expect((await chain.get()).sessionToken).toBeTruthy();
    expect(seen.slice(-2)).toEqual([stale, POD_TOKEN]);
  });
  it("trust an https agent signed by the CA in AWS_CA_BUNDLE, and not without it", async () => {
    await mkdir(join(tmp, "pki"));
    const pki = createPki(join(tmp, "pki"));
    const { certPem, keyPem } = pki.issue("agent", { cn: "agent", sans: ["127.0.0.1"] });
    const https = createHttpsServer({ cert: certPem, key: keyPem }, (req, res) => void serve(req, res));
    await new Promise<void>((done) => https.listen(0, "127.0.0.1", done));
    try {
      const file = join(tmp, "https-token");
      await writeFile(file, POD_TOKEN);
      const env = {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `https://127.0.0.1:${(https.address() as { port: number }).port}/v1/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file,
      };
      expect(await roundTrip({ ...env, AWS_CA_BUNDLE: pki.ca.cert }, "ca-bundle")).toBe("ca-bundle");
      await expect(createAwsCredentialChain({ env }).get()).rejects.toThrow(/no answer: .*(certificate|SELF_SIGNED)/i);
    } finally {
      https.closeAllConnections();
      await new Promise((done) => https.close(done));
    }
  });
});

describe("instance metadata", () => {
  it("signs requests with the instance role's credentials, through an IMDSv2 session", async () => {
    expect(await roundTrip({ AWS_EC2_METADATA_SERVICE_ENDPOINT: base }, "imds")).toBe("imds");
  });

  it("says what the chain tried when instance metadata does not answer in time", async () => {
    const silent = createServer(() => {}); // takes the connection, never answers
    await new Promise<void>((done) => silent.listen(0, "127.0.0.1", done));
    const endpoint = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const error = await createAwsCredentialChain({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint } })
        .get()
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "CredentialsError", transient: true });
      expect((error as Error).message).toBe(
        "no S3 credentials: tried the AWS chain: environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY unset); " +
          "web identity (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE unset); container credentials " +
          `(AWS_CONTAINER_CREDENTIALS_FULL_URI unset); instance metadata (${endpoint}): no answer: ETIMEDOUT: no answer within 1000 ms`,
      );
    } finally {
      silent.closeAllConnections();
      await new Promise((done) => silent.close(done));
    }
  });
});
