import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { CredentialsError } from "../errors.js";
import type { AwsCredentials, CredentialSource } from "./aws-credentials.js";
import { urlFrom } from "./aws-env.js";
import { credentialsOfJson, fetchText } from "./remote-credentials.js";

/** How long the container credential agent may take. @defaultValue 5_000 */
export const DEFAULT_CONTAINER_TIMEOUT_MS = 5_000;
/** Where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is resolved (ECS's agent). */
const ECS_HOST = "http://169.254.170.2";
/** Plain-http hosts AWS's SDKs accept for a full URI: ECS's and EKS Pod Identity's agents. */
const AGENT_HOSTS = new Set(["169.254.170.2", "169.254.170.23", "[fd00:ec2::23]"]);

export interface ContainerOptions {
  fullUri?: string;
  relativeUri?: string;
  /** The Authorization value (ECS). */
  authorizationToken?: string;
  /** A file holding the Authorization value, read again for every call (EKS Pod Identity rotates it). */
  authorizationTokenFile?: string;
  timeoutMs?: number;
  /** PEM of an extra CA for an https agent. */
  ca?: string;
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  return host === "localhost" || (isIP(bare) === 4 && bare.startsWith("127.")) || bare === "::1";
}

/** The agent's URL; plain http only to loopback and the agents' link-local addresses, as AWS's SDKs allow. */
function containerUrl(opts: ContainerOptions): URL {
  if (opts.relativeUri) return new URL(opts.relativeUri, ECS_HOST);
  const url = urlFrom("AWS_CONTAINER_CREDENTIALS_FULL_URI", opts.fullUri ?? "");
  if (url.protocol === "http:" && !AGENT_HOSTS.has(url.hostname) && !isLoopback(url.hostname)) {
    throw new CredentialsError(
      `AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http only to a loopback address or ${[...AGENT_HOSTS].join(", ")}; use https`,
    );
  }
  return url;
}

async function authorization(opts: ContainerOptions, what: string): Promise<string | undefined> {
  let value = opts.authorizationToken;
  if (opts.authorizationTokenFile) {
    try {
      value = (await readFile(opts.authorizationTokenFile, "utf8")).trim();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
      throw new CredentialsError(`${what}: cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: ${code}`, {
        cause: err,
      });
    }
  }
  if (value !== undefined && /[\r\n]/.test(value)) {
    throw new CredentialsError(`${what}: the authorization token holds a line break`);
  }
  return value || undefined;
}

/**
 * AWS_CONTAINER_CREDENTIALS_FULL_URI (EKS Pod Identity's agent at 169.254.170.23, or any https
 * endpoint) or _RELATIVE_URI (ECS), with the Authorization header from
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or _TOKEN.
 */
export function containerSource(opts: ContainerOptions): CredentialSource {
  const url = containerUrl(opts);
  const description = `container credentials (${url.origin}${url.pathname})`;
  return {
    description,
    async fetch(): Promise<AwsCredentials> {
      const token = await authorization(opts, description);
      const body = await fetchText(description, url, {
        headers: token ? { authorization: token } : {},
        timeoutMs: opts.timeoutMs ?? DEFAULT_CONTAINER_TIMEOUT_MS,
        ca: opts.ca,
      });
      return credentialsOfJson(body, description);
    },
  };
}
