import { describe, expect, it } from "vitest";
import { ObjectNotFoundError, StoreAccessDeniedError, StoreRequestError, StoreUnreachableError } from "../errors.js";
import { isTransientStoreError, translateS3Error } from "./s3-errors.js";

const CONTEXT = {
  endpoint: "https://minio:9000",
  bucket: "backups",
  operation: "put",
  key: "snapshots/x/parts/00000.tar.gz",
};

function coded(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe("translateS3Error", () => {
  it.each<[string, Error, new (...args: never[]) => Error, boolean, RegExp]>([
    [
      "a refused connection",
      coded("ECONNREFUSED", "connect ECONNREFUSED"),
      StoreUnreachableError,
      true,
      /^cannot reach the object store at https:\/\/minio:9000: ECONNREFUSED/,
    ],
    ["an unknown host", coded("ENOTFOUND", "getaddrinfo ENOTFOUND minio"), StoreUnreachableError, false, /ENOTFOUND/],
    [
      "an untrusted certificate",
      coded("SELF_SIGNED_CERT_IN_CHAIN"),
      StoreUnreachableError,
      false,
      /TLS certificate not trusted \(SELF_SIGNED_CERT_IN_CHAIN\): give the CA/,
    ],
    [
      "a missing key",
      coded("NoSuchKey"),
      ObjectNotFoundError,
      false,
      /object "snapshots\/x\/parts\/00000.tar.gz" not found/,
    ],
    [
      "refused credentials",
      coded("InvalidAccessKeyId"),
      StoreAccessDeniedError,
      false,
      /denied access to bucket "backups" \(InvalidAccessKeyId\)/,
    ],
    [
      "an S3 internal error",
      coded("InternalError", "We encountered an internal error"),
      StoreRequestError,
      true,
      /put "snapshots\/x\/parts\/00000.tar.gz" failed: InternalError: We encountered/,
    ],
    [
      "a 503 minio did not retry",
      new Error("Request failed after 0 retries: Error: Retryable HTTP status: 503"),
      StoreRequestError,
      true,
      /failed: HTTP503: the server answered 503$/,
    ],
    ["a bad request", coded("InvalidArgument"), StoreRequestError, false, /InvalidArgument/],
  ])("%s", (_label, raw, type, transient, message) => {
    const error = translateS3Error(raw, CONTEXT);
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(message);
    expect(isTransientStoreError(error)).toBe(transient);
    if (!(error instanceof ObjectNotFoundError)) expect(error.cause).toBe(raw);
  });
});
