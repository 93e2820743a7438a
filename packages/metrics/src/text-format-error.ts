/** Text that is not valid Prometheus text exposition format; `line` is 1-based. */
export class TextFormatError extends Error {
  override name = "TextFormatError";
  constructor(
    readonly line: number,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`line ${line}: ${reason}`, options);
  }
}
