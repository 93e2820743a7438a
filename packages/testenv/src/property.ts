/*
 * Helpers for property-based tests (fast-check) of parsers that take outside input: each input
 * must be handled in bounded time and end in a value or one of the parser's documented errors.
 */

/** Runs per property: enough to find the usual slips, few enough to keep a file to a few seconds. */
export const PROPERTY_RUNS = 300;

/** Time one input may take before the parser counts as hanging (generous: the test machines are shared). */
export const PER_INPUT_MS = 250;

export class SlowInputError extends Error {
  override name = "SlowInputError";
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * The outcome of `parse(input)`: its value, or the error it threw when that error is one of
 * `allowed`; anything else (another error class, more than `ms`) fails the property.
 */
export function parsesOrRefuses<T>(
  parse: () => T,
  allowed: readonly ErrorClass[],
  ms = PER_INPUT_MS,
): { value: T } | { error: Error } {
  const started = performance.now();
  let outcome: { value: T } | { error: Error };
  try {
    outcome = { value: parse() };
  } catch (err) {
    outcome = refused(err, allowed);
  }
  checkTime(started, ms);
  return outcome;
}

/** parsesOrRefuses for a parser that returns a promise. */
export async function settlesOrRefuses<T>(
  parse: () => Promise<T>,
  allowed: readonly ErrorClass[],
  ms = PER_INPUT_MS,
): Promise<{ value: T } | { error: Error }> {
  const started = performance.now();
  let outcome: { value: T } | { error: Error };
  try {
    outcome = { value: await parse() };
  } catch (err) {
    outcome = refused(err, allowed);
  }
  checkTime(started, ms);
  return outcome;
}

function refused(err: unknown, allowed: readonly ErrorClass[]): { error: Error } {
  if (!allowed.some((type) => err instanceof type)) throw err;
  return { error: err as Error };
}

function checkTime(started: number, ms: number): void {
  const took = performance.now() - started;
  if (took > ms) throw new SlowInputError(`took ${Math.round(took)} ms, more than ${ms} ms`);
}
