import { UnrecoverableError } from "bullmq";

/**
 * A spec that no retry can fix (bad field, missing Repository): the job ends at once and the
 * reason goes to the object's status. Plain errors are retried with backoff.
 */
export class InvalidSpecError extends UnrecoverableError {
  override name = "InvalidSpecError";
  constructor(message: string, options?: ErrorOptions) {
    super(message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
