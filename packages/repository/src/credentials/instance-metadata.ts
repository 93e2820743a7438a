import type { AwsCredentials, CredentialSource } from "./aws-credentials.js";
import { urlFrom } from "./aws-env.js";
import { credentialsOfJson, fetchText } from "./remote-credentials.js";
import { CredentialsError } from "../errors.js";

/** How long each instance-metadata request may take (AWS's SDKs: 1 s). @defaultValue 1_000 */
export const DEFAULT_IMDS_TIMEOUT_MS = 1_000;
const DEFAULT_IMDS_ENDPOINT = "http://169.254.169.254";
const CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/";
/** The lifetime asked for a session token. */
const TOKEN_TTL_SECONDS = "21600";

export interface InstanceMetadataOptions {
  /** AWS_EC2_METADATA_SERVICE_ENDPOINT; default http://169.254.169.254. */
  endpoint?: string;
  timeoutMs?: number;
}

/**
 * The instance profile's credentials from the EC2 instance metadata service, IMDSv2 only: a
 * session token (PUT /latest/api/token), the role's name, then its credentials.
 */
export function instanceMetadataSource(opts: InstanceMetadataOptions = {}): CredentialSource {
  const base = opts.endpoint
    ? urlFrom("AWS_EC2_METADATA_SERVICE_ENDPOINT", opts.endpoint)
    : new URL(DEFAULT_IMDS_ENDPOINT);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_IMDS_TIMEOUT_MS;
  const description = `instance metadata (${base.origin})`;
  return {
    description,
    async fetch(): Promise<AwsCredentials> {
      const token = await fetchText(description, new URL("/latest/api/token", base), {
        method: "PUT",
        headers: { "x-aws-ec2-metadata-token-ttl-seconds": TOKEN_TTL_SECONDS },
        timeoutMs,
      });
      const headers = { "x-aws-ec2-metadata-token": token.trim() };
      const roles = await fetchText(description, new URL(CREDENTIALS_PATH, base), { headers, timeoutMs });
      const role = roles
        .split(/\r?\n/)
        .find((line) => line.trim() !== "")
        ?.trim();
      if (!role) throw new CredentialsError(`${description}: the instance has no IAM role`);
      const url = new URL(`${CREDENTIALS_PATH}${encodeURIComponent(role)}`, base);
      return credentialsOfJson(
        await fetchText(`${description} role ${role}`, url, { headers, timeoutMs }),
        description,
      );
    },
  };
}
