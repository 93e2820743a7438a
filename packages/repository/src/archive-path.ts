import { UnsafePathError } from "./errors.js";

/** Non-empty segments without `/` or NUL, none `.` or `..`, separated by single slashes. */
const SAFE_PATH = /^(?:(?!\.\.?(?:\/|$))[^/\0]+(?:\/(?!$)|$))+$/;

/**
 * Checks a path for use inside an archive or below a download directory: relative, `/`-separated,
 * no empty, `.` or `..` segments, no NUL. Returns the path unchanged.
 */
export function checkArchivePath(path: string): string {
  if (SAFE_PATH.test(path)) return path; // every object's path: one scan, no split
  if (path === "") throw new UnsafePathError(path, "empty");
  if (path.startsWith("/")) throw new UnsafePathError(path, "absolute");
  if (path.includes("\0")) throw new UnsafePathError(path, "contains NUL");
  for (const segment of path.split("/")) {
    if (segment === "" || segment === "." || segment === "..") {
      throw new UnsafePathError(path, `segment "${segment}" not allowed`);
    }
  }
  throw new UnsafePathError(path, "not a relative path"); // unreachable: the checks above cover SAFE_PATH
}
