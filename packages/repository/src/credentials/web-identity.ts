import { readFile } from "node:fs/promises";
import { CredentialsError } from "../errors.js";
import type { AwsCredentials, CredentialSource } from "./aws-credentials.js";
import { credentialHttp, transportReason } from "./credential-http.js";
import { credentialsOfStsAnswer, describeJwt, stsErrorOf } from "./sts-answer.js";

/** How long one AssumeRoleWithWebIdentity call may take. @defaultValue 10_000 */
export const DEFAULT_STS_TIMEOUT_MS = 10_000;

export interface WebIdentityOptions {
  roleArn: string;
  /** The projected ServiceAccount token (IRSA mounts it); read again for every call, as the kubelet rotates it. */
  tokenFile: string;
  /** Default `kubedump-<ms since 1970>`. */
  sessionName?: string;
  stsEndpoint: URL;
  /** The lifetime to ask for, 900 s or more; STS's default (1 hour) when unset. */
  durationSeconds?: number;
  timeoutMs?: number;
  /** PEM of an extra CA for the STS. */
  ca?: string;
  now?: () => Date;
}

async function readToken(tokenFile: string, what: string): Promise<string> {
  let token: string;
  try {
    token = (await readFile(tokenFile, "utf8")).trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === "ENOENT" ? " (is the projected ServiceAccount token volume mounted there?)" : "";
    throw new CredentialsError(`${what}: cannot read the token file: ${code ?? transportReason(err)}${hint}`, {
      cause: err,
      unconfigured: true,
    });
  }
  if (!token) throw new CredentialsError(`${what}: the token file is empty`, { unconfigured: true });
  return token;
}

/** Replaces the token wherever an answer echoes it, so no message can carry it. */
const scrub = (text: string, token: string): string => text.split(token).join("<token>");

/** One AssumeRoleWithWebIdentity call with `token`; errors start with `what`. */
async function assumeRole(opts: WebIdentityOptions, token: string, what: string, now: Date): Promise<AwsCredentials> {
  const form = new URLSearchParams({
    Action: "AssumeRoleWithWebIdentity",
    Version: "2011-06-15",
    RoleArn: opts.roleArn,
    RoleSessionName: opts.sessionName ?? `kubedump-${now.getTime()}`,
    WebIdentityToken: token,
    ...(opts.durationSeconds ? { DurationSeconds: String(opts.durationSeconds) } : {}),
  });
  let answer: { status: number; body: string };
  try {
    answer = await credentialHttp({
      url: opts.stsEndpoint,
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", accept: "application/xml" },
      body: form.toString(),
      timeoutMs: opts.timeoutMs ?? DEFAULT_STS_TIMEOUT_MS,
      ca: opts.ca,
    });
  } catch (err) {
    throw new CredentialsError(`${what}: the STS did not answer: ${transportReason(err)}`, {
      cause: err,
      transient: true,
    });
  }
  if (answer.status !== 200) {
    const { code, message } = stsErrorOf(answer.status, answer.body);
    const transient = answer.status >= 500 || code === "Throttling" || code === "IDPCommunicationError";
    const refused = `${what}: the STS refused the token: ${code}${message ? `: ${message}` : ""}`;
    throw new CredentialsError(scrub(`${refused}; ${describeJwt(token, now)}`, token), { transient });
  }
  const credentials = credentialsOfStsAnswer(answer.body);
  if (!credentials) throw new CredentialsError(`${what}: the STS answer holds no credentials`);
  return credentials;
}

/**
 * AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE → STS AssumeRoleWithWebIdentity, as IRSA sets it
 * up (and MinIO's STS serves it). The token file is read for every call; the token goes in the
 * POST body, never in a URL; errors name the role, the token file, the STS and what the token
 * claims, never the token.
 */
export function webIdentitySource(opts: WebIdentityOptions): CredentialSource {
  const now = opts.now ?? (() => new Date());
  const description = `web identity (role ${opts.roleArn}, token file ${opts.tokenFile}, STS ${opts.stsEndpoint.origin})`;
  return {
    description,
    fetch: async () => assumeRole(opts, await readToken(opts.tokenFile, description), description, now()),
  };
}
