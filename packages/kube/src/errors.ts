/** A non-2xx answer of the API server, with its Status reason and message. */
export class KubeApiError extends Error {
  override name = "KubeApiError";
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly retryAfterSeconds?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The API server could not be reached at all (refused, DNS, TLS, timeout). */
export class KubeUnreachableError extends Error {
  override name = "KubeUnreachableError";
}

/** The kubeconfig could not be loaded or names no usable cluster/context. */
export class KubeConfigError extends Error {
  override name = "KubeConfigError";
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeApiError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof KubeApiError && err.status === 409;
export const isAlreadyExists = (err: unknown): boolean =>
  err instanceof KubeApiError && err.status === 409 && err.reason === "AlreadyExists";
export const isGone = (err: unknown): boolean => err instanceof KubeApiError && err.status === 410;

/** A watch stream carried a line that is not a watch event. */
export class KubeWatchError extends Error {
  override name = "KubeWatchError";
}

/** The informer was stopped before its first list finished; `synced` rejects with this. */
export class InformerStoppedError extends Error {
  override name = "InformerStoppedError";
}

/** A callback of an informer or leader elector threw; reported to `onError`, never fatal. */
export class HandlerError extends Error {
  override name = "HandlerError";
}

/** A leader elector could not read, renew or release its Lease, or was configured impossibly. */
export class LeaderElectionError extends Error {
  override name = "LeaderElectionError";
}
