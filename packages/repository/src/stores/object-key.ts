import { IntegrityError, InvalidObjectKeyError } from "../errors.js";
import { pathProblem } from "../safe-path.js";

/**
 * Key rules shared by every ObjectStore, so a key that works on one store works on all: the
 * repository's one path rule (safe-path.ts). Temporary files of in-flight local puts start with
 * TEMP_PREFIX; no key segment may use it.
 */
export const TEMP_PREFIX = ".kubedump-tmp-";

/** A relative `/`-separated key without empty, `.` or `..` segments; returned unchanged. */
export function checkKey(key: string): string {
  const problem = pathProblem(key);
  if (problem !== undefined) throw new InvalidObjectKeyError(key, problem);
  if (key.startsWith(TEMP_PREFIX) || key.includes(`/${TEMP_PREFIX}`)) {
    throw new InvalidObjectKeyError(key, `"${TEMP_PREFIX}" is reserved`);
  }
  return key;
}

/** A prefix is a key, a key ending in `/`, or "". */
export function checkPrefix(prefix: string): string {
  if (prefix === "") return prefix;
  checkKey(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
  return prefix;
}

/** What getBuffer throws for an object above its `maxBytes`. */
export function tooLarge(key: string, maxBytes: number): IntegrityError {
  return new IntegrityError(key, `larger than ${maxBytes} bytes, more than such a file may be`);
}

/** What getRange throws for `offset` or `length` that is not a non-negative integer. */
export function checkRange(key: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0)
    throw new RangeError(`range of "${key}": offset ${offset} and length ${length} must be non-negative integers`);
}

/** What getRange throws for a range that ends past the object's end (`size`, when known). */
export function pastEnd(key: string, offset: number, length: number, size?: number): IntegrityError {
  const object = size === undefined ? "the object's end" : `the object's ${size} bytes`;
  return new IntegrityError(key, `${length} bytes at offset ${offset} end past ${object}`);
}
