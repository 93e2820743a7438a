import { InvalidObjectKeyError } from "./errors.js";

/**
 * Key rules shared by every ObjectStore, so a key that works on one store works on all. Temporary
 * files of in-flight local puts start with TEMP_PREFIX; no key segment may use it.
 */
export const TEMP_PREFIX = ".kubedump-tmp-";

function checkSegments(key: string, segments: string[]): void {
  for (const segment of segments) {
    if (segment === "") throw new InvalidObjectKeyError(key, "empty path segment");
    if (segment === "." || segment === "..") throw new InvalidObjectKeyError(key, `"${segment}" segment`);
    if (segment.startsWith(TEMP_PREFIX)) throw new InvalidObjectKeyError(key, `"${TEMP_PREFIX}" is reserved`);
  }
}

/** A relative `/`-separated key without empty, `.` or `..` segments; returned unchanged. */
export function checkKey(key: string): string {
  if (key === "") throw new InvalidObjectKeyError(key, "empty");
  if (key.startsWith("/")) throw new InvalidObjectKeyError(key, "absolute");
  if (key.includes("\0")) throw new InvalidObjectKeyError(key, "contains NUL");
  checkSegments(key, key.split("/"));
  return key;
}

/** A prefix is a key, a key ending in `/`, or "". */
export function checkPrefix(prefix: string): string {
  if (prefix === "") return prefix;
  checkKey(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
  return prefix;
}
