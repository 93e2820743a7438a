import { readFileSync } from "node:fs";
import { CredentialsError } from "../errors.js";

/**
 * The environment variables the AWS credential chain reads, as AWS's SDKs name them: keys,
 * web identity (IRSA and any OpenID set-up, e.g. MinIO's STS), container credentials (EKS Pod
 * Identity, ECS) and instance metadata (IMDSv2); AWS_CA_BUNDLE, a PEM file of CAs the STS and the
 * container agent may be signed by (besides the system's).
 */
export const AWS_ENV_VARS = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_ROLE_ARN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_SESSION_NAME",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_STS_REGIONAL_ENDPOINTS",
  "AWS_ENDPOINT_URL_STS",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_EC2_METADATA_DISABLED",
  "AWS_EC2_METADATA_SERVICE_ENDPOINT",
  "AWS_CA_BUNDLE",
] as const;

export type AwsEnvVar = (typeof AWS_ENV_VARS)[number];
/** The chain's variables (others are ignored); empty counts as unset. */
export type AwsEnv = Partial<Record<AwsEnvVar, string | undefined>>;

/** The chain's variables of `env`, the empty ones left out. */
export function awsEnvOf(env: AwsEnv): AwsEnv {
  const picked: AwsEnv = {};
  for (const name of AWS_ENV_VARS) {
    const value = env[name]?.trim();
    if (value) picked[name] = value;
  }
  return picked;
}

/** The PEM of AWS_CA_BUNDLE, read once; an error naming the variable when it cannot be read. */
export function caBundleOf(env: AwsEnv): string | undefined {
  if (!env.AWS_CA_BUNDLE) return undefined;
  try {
    return readFileSync(env.AWS_CA_BUNDLE, "utf8");
  } catch (err) {
    throw new CredentialsError(
      `AWS_CA_BUNDLE: cannot read ${env.AWS_CA_BUNDLE}: ${(err as NodeJS.ErrnoException).code}`,
      {
        cause: err,
      },
    );
  }
}

/** An http(s) URL from a variable, or an error naming the variable (not its value: it may carry credentials). */
export function urlFrom(name: AwsEnvVar, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (err) {
    throw new CredentialsError(`${name}: not a URL`, { cause: err });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CredentialsError(`${name}: not an http(s) URL`);
  if (url.username || url.password) throw new CredentialsError(`${name}: no credentials in the URL`);
  return url;
}

/**
 * The STS that AssumeRoleWithWebIdentity goes to: AWS_ENDPOINT_URL_STS (e.g. MinIO's own STS),
 * else the region's (AWS_REGION, else AWS_DEFAULT_REGION), as AWS's SDKs do by default and as EKS
 * sets AWS_STS_REGIONAL_ENDPOINTS=regional; the global endpoint without a region or with
 * AWS_STS_REGIONAL_ENDPOINTS=legacy.
 */
export function stsEndpointOf(env: AwsEnv): URL {
  if (env.AWS_ENDPOINT_URL_STS) return urlFrom("AWS_ENDPOINT_URL_STS", env.AWS_ENDPOINT_URL_STS);
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region || env.AWS_STS_REGIONAL_ENDPOINTS === "legacy") return new URL("https://sts.amazonaws.com");
  if (!/^[a-z0-9-]+$/.test(region)) throw new CredentialsError(`AWS_REGION "${region}": not a region name`);
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return new URL(`https://sts.${region}.${domain}`);
}
