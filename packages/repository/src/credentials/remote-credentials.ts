import { CredentialsError } from "../errors.js";
import type { AwsCredentials } from "./aws-credentials.js";
import { credentialHttp, transportReason } from "./credential-http.js";

interface CredentialsJson {
  Code?: unknown;
  AccessKeyId?: unknown;
  SecretAccessKey?: unknown;
  Token?: unknown;
  Expiration?: unknown;
}

/** The credentials of a container or instance-metadata answer (one JSON format for both). */
export function credentialsOfJson(body: string, what: string): AwsCredentials {
  let json: CredentialsJson;
  try {
    json = JSON.parse(body) as CredentialsJson;
  } catch (err) {
    throw new CredentialsError(`${what}: the answer is not JSON`, { cause: err });
  }
  if (json.Code !== undefined && json.Code !== "Success") {
    throw new CredentialsError(`${what}: the answer says ${typeof json.Code === "string" ? json.Code : "no success"}`);
  }
  if (typeof json.AccessKeyId !== "string" || typeof json.SecretAccessKey !== "string") {
    throw new CredentialsError(`${what}: the answer has no AccessKeyId and SecretAccessKey`);
  }
  const expiration = typeof json.Expiration === "string" ? new Date(json.Expiration) : undefined;
  if (expiration && Number.isNaN(expiration.getTime())) throw new CredentialsError(`${what}: Expiration is not a time`);
  return {
    accessKey: json.AccessKeyId,
    secretKey: json.SecretAccessKey,
    sessionToken: typeof json.Token === "string" && json.Token ? json.Token : undefined,
    expiration,
  };
}

/** One GET or PUT to a credential endpoint: its body on 200, a CredentialsError otherwise (transient when unanswered or 5xx). */
export async function fetchText(
  what: string,
  url: URL,
  opts: { method?: "GET" | "PUT"; headers?: Record<string, string>; timeoutMs: number; ca?: string },
): Promise<string> {
  let answer: { status: number; body: string };
  try {
    answer = await credentialHttp({ ...opts, url, method: opts.method ?? "GET" });
  } catch (err) {
    throw new CredentialsError(`${what}: no answer: ${transportReason(err)}`, { cause: err, transient: true });
  }
  if (answer.status !== 200) {
    throw new CredentialsError(`${what}: the answer is HTTP ${answer.status}`, { transient: answer.status >= 500 });
  }
  return answer.body;
}
