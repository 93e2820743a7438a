import { CredentialsError } from "../errors.js";
import type { AwsCredentials, CredentialProvider, CredentialSource } from "./aws-credentials.js";
import { type AwsEnv, awsEnvOf, caBundleOf, stsEndpointOf } from "./aws-env.js";
import { type CachedCredentialsOptions, cachedCredentials } from "./cached-credentials.js";
import { containerSource } from "./container-credentials.js";
import { instanceMetadataSource } from "./instance-metadata.js";
import { webIdentitySource } from "./web-identity.js";

export interface AwsCredentialChainOptions extends CachedCredentialsOptions {
  /** The process's environment, or a service's config holding it (only AWS_ENV_VARS are read). */
  env: AwsEnv;
  /** The web identity session's lifetime to ask for (STS's default when unset). */
  durationSeconds?: number;
}

/** Two variables that only work together: both, neither, or an error naming the missing one. */
function pair(env: AwsEnv, a: keyof AwsEnv, b: keyof AwsEnv, what: string): boolean {
  if (Boolean(env[a]) === Boolean(env[b])) return Boolean(env[a]);
  const [set, unset] = env[a] ? [a, b] : [b, a];
  throw new CredentialsError(`${what}: ${set} is set but ${unset} is not`);
}

function environmentSource(env: AwsEnv): CredentialSource {
  const credentials: AwsCredentials = {
    accessKey: env.AWS_ACCESS_KEY_ID ?? "",
    secretKey: env.AWS_SECRET_ACCESS_KEY ?? "",
    sessionToken: env.AWS_SESSION_TOKEN,
  };
  return { description: "the environment (AWS_ACCESS_KEY_ID)", fetch: async () => credentials };
}

/** Instance metadata, last in the chain: its failure also says which links before it were unset. */
function lastResort(env: AwsEnv, unset: string[]): CredentialSource {
  const skipped = `tried the AWS chain: ${unset.join("; ")}`;
  if (env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === "true") {
    const description = "no source (instance metadata disabled by AWS_EC2_METADATA_DISABLED)";
    return {
      description,
      fetch: () =>
        Promise.reject(new CredentialsError(`no S3 credentials: ${skipped}; ${description}`, { unconfigured: true })),
    };
  }
  const imds = instanceMetadataSource({ endpoint: env.AWS_EC2_METADATA_SERVICE_ENDPOINT });
  return {
    description: imds.description,
    async fetch() {
      try {
        return await imds.fetch();
      } catch (err) {
        if (!(err instanceof CredentialsError)) throw err;
        throw new CredentialsError(`no S3 credentials: ${skipped}; ${err.message}`, {
          cause: err,
          transient: err.transient,
        });
      }
    },
  };
}

/**
 * The link of the AWS chain the environment configures, in the SDKs' order: keys in the
 * environment, web identity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE), container credentials
 * (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI), instance metadata. The first one set is
 * the one used (a half-set pair is an error naming the missing variable); failures of that link are
 * not hidden by trying the next.
 */
export function awsChainSource(
  rawEnv: Readonly<Record<string, string | undefined>>,
  durationSeconds?: number,
): CredentialSource {
  const env = awsEnvOf(rawEnv);
  if (pair(env, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "environment")) return environmentSource(env);
  if (pair(env, "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "web identity")) {
    return webIdentitySource({
      roleArn: env.AWS_ROLE_ARN ?? "",
      tokenFile: env.AWS_WEB_IDENTITY_TOKEN_FILE ?? "",
      sessionName: env.AWS_ROLE_SESSION_NAME,
      stsEndpoint: stsEndpointOf(env),
      durationSeconds,
      ca: caBundleOf(env),
    });
  }
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
    return containerSource({
      fullUri: env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
      relativeUri: env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
      authorizationToken: env.AWS_CONTAINER_AUTHORIZATION_TOKEN,
      authorizationTokenFile: env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
      ca: caBundleOf(env),
    });
  }
  return lastResort(env, [
    "environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY unset)",
    "web identity (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE unset)",
    "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI unset)",
  ]);
}

/**
 * The AWS credential chain of a process, for every Repository whose Secret holds no keys: the
 * link the environment configures (see awsChainSource), its credentials cached and renewed before
 * they expire. Build it once per process; a misconfigured environment fails here, at once.
 */
export function createAwsCredentialChain(opts: AwsCredentialChainOptions): CredentialProvider {
  return cachedCredentials(awsChainSource(opts.env, opts.durationSeconds), opts);
}
