import {
  CredentialsError,
  ObjectNotFoundError,
  StoreAccessDeniedError,
  StoreRequestError,
  StoreUnreachableError,
} from "../errors.js";

/*
 * What the minio client throws, sorted into what callers act on: a missing key, a store that
 * cannot be reached (retry later, or fix the endpoint or CA), denied credentials, and the rest.
 */

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ENOTFOUND",
  "UND_ERR_SOCKET",
  "ERR_STREAM_PREMATURE_CLOSE",
]);
/** Network failures worth another try; ENOTFOUND (no such host) is not. */
const TRANSIENT_NETWORK_CODES = new Set([...NETWORK_CODES].filter((code) => code !== "ENOTFOUND"));
const TRANSIENT_S3_CODES = new Set([
  "InternalError",
  "ServiceUnavailable",
  "SlowDown",
  "RequestTimeout",
  "RequestTimeTooSkewed",
  "OperationTimedOut",
  "XMinioServerNotInitialized",
  "XMinioReadQuorum",
  "XMinioWriteQuorum",
]);
/** Statuses minio's request layer reports only in a message, e.g. a 503 while MinIO starts up. */
const TRANSIENT_HTTP_CODES = new Set([
  "HTTP408",
  "HTTP429",
  "HTTP499",
  "HTTP500",
  "HTTP502",
  "HTTP503",
  "HTTP504",
  "HTTP520",
]);
const DENIED_CODES = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
]);
const NOT_FOUND_CODES = new Set(["NoSuchKey", "NotFound", "NoSuchBucket"]);

function codeOf(err: unknown): string {
  if (!(err instanceof Error)) return "";
  if ("code" in err && typeof err.code === "string" && err.code !== "") return err.code;
  // With its own retries off, minio throws a plain Error for the statuses it would have retried.
  const status = /Retryable HTTP status: (\d{3})/.exec(err.message)?.[1];
  return status ? `HTTP${status}` : "";
}

function isTlsCode(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)|ERR_TLS|ERR_SSL|EPROTO/.test(code);
}

export function isNotFound(err: unknown): boolean {
  return NOT_FOUND_CODES.has(codeOf(err));
}

/** Our CredentialsError, as minio wraps it ("Unable to get credentials: ...", with it as the cause). */
function credentialsErrorIn(err: unknown): CredentialsError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof CredentialsError) return e;
  }
  return undefined;
}

/** A raw client error or one of ours that is worth another try. */
export function isTransientStoreError(err: unknown): boolean {
  const credentials = credentialsErrorIn(err);
  if (credentials) return credentials.transient;
  if (err instanceof StoreUnreachableError) return TRANSIENT_NETWORK_CODES.has(codeOf(err.cause));
  if (err instanceof StoreRequestError) return TRANSIENT_S3_CODES.has(err.code) || TRANSIENT_HTTP_CODES.has(err.code);
  const code = codeOf(err);
  if (TRANSIENT_NETWORK_CODES.has(code) || TRANSIENT_S3_CODES.has(code) || TRANSIENT_HTTP_CODES.has(code)) return true;
  return err instanceof Error && /socket hang up|premature close/i.test(err.message);
}

export interface ErrorContext {
  endpoint: string;
  bucket: string;
  operation: string;
  /** The key as the caller named it (without the store prefix). */
  key: string;
  /** Where the credentials came from, when not from static keys. */
  credentials?: string;
}

function tlsReason(code: string): string {
  return `TLS certificate not trusted (${code}): give the CA that signed it as CA_CERT_DATA, or set insecureTLS for a test setup`;
}

/** The error to surface for a failed client call; never includes credentials. */
export function translateS3Error(err: unknown, ctx: ErrorContext): Error {
  if (err instanceof ObjectNotFoundError || err instanceof StoreUnreachableError) return err;
  if (err instanceof StoreAccessDeniedError || err instanceof StoreRequestError) return err;
  const credentials = credentialsErrorIn(err);
  if (credentials) return credentials;
  const code = codeOf(err);
  if (isTlsCode(code)) return new StoreUnreachableError(ctx.endpoint, tlsReason(code), { cause: err });
  if (NETWORK_CODES.has(code) || (err instanceof Error && /socket hang up/i.test(err.message))) {
    return new StoreUnreachableError(ctx.endpoint, `${code || "connection failed"} (${(err as Error).message})`, {
      cause: err,
    });
  }
  if (isNotFound(err)) return new ObjectNotFoundError(ctx.key, { cause: err });
  if (DENIED_CODES.has(code))
    return new StoreAccessDeniedError(ctx.endpoint, ctx.bucket, code, { cause: err, credentials: ctx.credentials });
  const message = /^HTTP\d{3}$/.test(code)
    ? `the server answered ${code.slice(4)}`
    : err instanceof Error
      ? err.message
      : String(err);
  return new StoreRequestError(ctx.operation, ctx.key, code, message, { cause: err });
}
