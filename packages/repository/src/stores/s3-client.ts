import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { Socket } from "node:net";
import { rootCertificates } from "node:tls";
import type { Client, ClientOptions } from "minio";
import type { CredentialProvider } from "../credentials/aws-credentials.js";
import { BackendConfigError } from "../errors.js";
import { checkKey } from "./object-key.js";
import type { S3ObjectStoreOptions } from "./s3-object-store.js";

export const DEFAULT_REGION = "us-east-1";
/** A connection with no bytes either way for this long is cut, so a frozen store fails (and is retried) instead of hanging. */
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;

export interface S3Endpoint {
  host: string;
  port: number;
  useSSL: boolean;
  /** `https://host:port`, for messages. */
  url: string;
}

/**
 * `host[:port]`, optionally after `http://` or `https://` (as the Repository CRD has it); https
 * unless http:// is given. A path, query or credentials in the endpoint are refused.
 */
export function parseEndpoint(endpoint: string): S3Endpoint {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (err) {
    throw new BackendConfigError(`s3 endpoint "${endpoint}": not host[:port] or an http(s) URL`, { cause: err });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new BackendConfigError(`s3 endpoint "${endpoint}": only http:// and https:// are supported`);
  }
  if (url.username || url.password || (url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
    throw new BackendConfigError(
      `s3 endpoint "${url.host}": give only host[:port], without path, query or credentials`,
    );
  }
  const useSSL = url.protocol === "https:";
  const port = url.port ? Number(url.port) : useSSL ? 443 : 80;
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return { host, port, useSSL, url: `${url.protocol}//${url.host}` };
}

/** Turns CA_CERT_DATA into PEM: PEM as it is, or base64 of PEM (as a Secret's data field holds it). */
export function caPem(data: string): string {
  if (data.includes("-----BEGIN")) return data;
  const decoded = Buffer.from(data.trim(), "base64").toString("utf8");
  if (decoded.includes("-----BEGIN CERTIFICATE-----")) return decoded;
  throw new BackendConfigError("CA_CERT_DATA: not a PEM certificate (nor base64 of one)");
}

export interface S3ClientOptions {
  endpoint: S3Endpoint;
  region: string;
  pathStyle: boolean;
  insecureTLS: boolean;
  /** PEM of an extra CA to trust besides the system's. */
  caCert?: string;
  /** Static keys, or else `credentials`. */
  keys?: { accessKey: string; secretKey: string };
  /** Asked before every request (temporary credentials, renewed as they expire). */
  credentials?: CredentialProvider;
  idleTimeoutMs: number;
}

/** Makes every socket of `agent` fail with ETIMEDOUT after `ms` without traffic. */
function withIdleTimeout<A extends HttpAgent>(agent: A, ms: number): A {
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const socket = create(options, callback);
    if (socket instanceof Socket) {
      socket.setTimeout(ms, () => {
        const error = Object.assign(new Error(`no response for ${ms / 1000} s`), { code: "ETIMEDOUT" });
        socket.destroy(error);
      });
    }
    return socket;
  };
  return agent;
}

/**
 * A minio client with keep-alive, the CA and TLS mode applied, and its own retries and logging off.
 * The options are checked at once; minio itself is imported only here, so a process that never
 * talks to S3 does not pay its memory (docs/benchmarks.md, "Where the memory goes").
 */
export function createS3Client(options: S3ClientOptions): Promise<Client> {
  const { endpoint } = options;
  const ca = options.caCert ? caPem(options.caCert) : undefined; // checked even for http, so a bad one shows early
  const transportAgent = endpoint.useSSL
    ? new HttpsAgent({
        keepAlive: true,
        rejectUnauthorized: !options.insecureTLS,
        ...(ca ? { ca: [...rootCertificates, ca] } : {}),
      })
    : new HttpAgent({ keepAlive: true });
  withIdleTimeout(transportAgent, options.idleTimeoutMs);
  return Promise.all([import("minio"), options.credentials ? minioProvider(options.credentials) : undefined]).then(
    ([{ Client }, credentialsProvider]) =>
      new Client({
        endPoint: endpoint.host,
        port: endpoint.port,
        useSSL: endpoint.useSSL,
        region: options.region,
        pathStyle: options.pathStyle,
        ...(credentialsProvider ? { credentialsProvider } : options.keys),
        transportAgent,
        // Retried by the store, which knows which failures are transient; minio's retry logs to the console.
        retryOptions: { disableRetry: true },
      }),
  );
}

/** Our provider in minio's shape: minio asks it before every request and signs with what it returns. */
async function minioProvider(credentials: CredentialProvider): Promise<ClientOptions["credentialsProvider"]> {
  const [{ CredentialProvider: Base }, { Credentials }] = await Promise.all([
    import("minio/dist/esm/CredentialProvider.mjs"),
    import("minio/dist/esm/Credentials.mjs"),
  ]);
  const provider = new (class extends Base {
    override async getCredentials() {
      const { accessKey, secretKey, sessionToken } = await credentials.get();
      return new Credentials({ accessKey, secretKey, sessionToken });
    }
  })({ accessKey: "", secretKey: "" });
  // The same class minio's ESM build uses; its typings name the CommonJS build's twin.
  return provider as unknown as ClientOptions["credentialsProvider"];
}

/** Static keys when both are given, else the provider; an error naming what is missing otherwise. */
export function credentialsOf(
  options: Pick<S3ObjectStoreOptions, "accessKey" | "secretKey" | "credentials">,
): Pick<S3ClientOptions, "keys" | "credentials"> {
  const { accessKey, secretKey, credentials } = options;
  if (accessKey && secretKey) return { keys: { accessKey, secretKey } };
  if (accessKey || secretKey)
    throw new BackendConfigError(`s3 store: ${accessKey ? "secretKey" : "accessKey"} missing`);
  if (!credentials) throw new BackendConfigError("s3 store: give accessKey and secretKey, or credentials");
  return { credentials };
}

export function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? "").replace(/^\/+|\/+$/g, "");
  if (trimmed !== "") checkKey(trimmed);
  return trimmed === "" ? "" : `${trimmed}/`;
}

/** Creates the bucket when it is missing (a second writer racing us is fine), with Object Lock when asked. */
export async function createBucket(client: Client, bucket: string, region: string, objectLocking: boolean) {
  if (await client.bucketExists(bucket)) return;
  await client.makeBucket(bucket, region, { ObjectLocking: objectLocking }).catch((err: unknown) => {
    const code = err instanceof Error && "code" in err ? err.code : undefined;
    if (code !== "BucketAlreadyOwnedByYou" && code !== "BucketAlreadyExists") throw err;
  });
}
