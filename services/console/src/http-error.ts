import { KubeApiError, KubeUnreachableError } from "@kubedump/kube";
import {
  BackendConfigError,
  CredentialsError,
  EncryptionMismatchError,
  IntegrityError,
  ObjectNotFoundError,
  RepositoryFormatError,
  SnapshotNotFoundError,
  StorageSecretNotFoundError,
  StoreAccessDeniedError,
  StoreRequestError,
  StoreUnreachableError,
  WrongPasswordError,
} from "@kubedump/repository";

/** An answer other than 2xx, with a message fit for the user: it names the field or object, never a secret. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The repository's and the API server's errors whose message the user may read, and their status. */
const KNOWN: [new (...args: never[]) => Error, number][] = [
  [SnapshotNotFoundError, 404],
  [ObjectNotFoundError, 404],
  [StorageSecretNotFoundError, 502],
  [BackendConfigError, 502],
  [CredentialsError, 502],
  [WrongPasswordError, 502],
  [EncryptionMismatchError, 502],
  [RepositoryFormatError, 502],
  [IntegrityError, 502],
  [StoreUnreachableError, 502],
  [StoreAccessDeniedError, 502],
  [StoreRequestError, 502],
  [KubeUnreachableError, 502],
];

const BODY_ERRORS: Record<string, string> = {
  "entity.parse.failed": "not valid JSON",
  "entity.too.large": "too large",
  "charset.unsupported": "an unsupported charset",
  "encoding.unsupported": "an unsupported encoding",
};

/** The status and message of an error; undefined for one whose message is not for the user (a bug: 500). */
export function answerOf(err: unknown): { status: number; error: string } | undefined {
  if (err instanceof HttpError) return { status: err.status, error: err.message };
  // express.json's own (http-errors): a body that is not JSON, or too large. Its message may quote
  // the body (a token), so it is never passed on.
  const parsed = err as { expose?: unknown; status?: unknown; type?: unknown };
  if (parsed?.expose === true && typeof parsed.status === "number" && parsed.status < 500)
    return { status: parsed.status, error: `body: ${BODY_ERRORS[String(parsed.type)] ?? "not accepted"}` };
  if (err instanceof KubeApiError && [404, 409, 422].includes(err.status))
    return { status: err.status, error: err.message };
  const known = KNOWN.find(([type]) => err instanceof type);
  return known && { status: known[1], error: (err as Error).message };
}

/** 400 naming a query or body field. */
export const badRequest = (message: string) => new HttpError(400, message);
export const notFound = (message: string) => new HttpError(404, message);
