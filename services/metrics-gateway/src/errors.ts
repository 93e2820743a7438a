/** A request the gateway refuses: `status` is the HTTP status, the message the reason it sends back. */
export class GatewayRequestError extends Error {
  override name = "GatewayRequestError";
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Pushed metrics that are invalid or inconsistent with the metrics held (400, recorded as a failed push). */
export class PushRejectedError extends GatewayRequestError {
  override name = "PushRejectedError";
  constructor(message: string, options?: ErrorOptions) {
    super(400, message, options);
  }
}

/** Redis, which holds the gateway's state, did not answer. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}
