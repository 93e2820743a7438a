import type { TestEnvInfo } from "./testenv.js";

/** What the S3 helpers need of the test servers. */
export type S3Env = Pick<TestEnvInfo, "s3Endpoint" | "accessKey" | "secretKey">;

/** A place on the test MinIO as createS3ObjectStore (`@kubedump/repository/s3`) takes it. */
export function s3StoreOptions(env: S3Env, bucket: string, prefix: string) {
  return { endpoint: env.s3Endpoint, bucket, prefix, accessKey: env.accessKey, secretKey: env.secretKey };
}

/**
 * The same place as a Repository sees it: its `spec.backend` and the keys of its storage Secret,
 * which is what openRepositoryFromBackend (`@kubedump/repository`) takes.
 */
export function s3RepositoryBackend(env: S3Env, bucket: string, prefix: string) {
  return {
    backend: { s3: { endpoint: env.s3Endpoint, bucket, region: "us-east-1", prefix } },
    secret: { AWS_ACCESS_KEY_ID: env.accessKey, AWS_SECRET_ACCESS_KEY: env.secretKey },
  };
}
