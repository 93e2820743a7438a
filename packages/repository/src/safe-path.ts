import { UnsafePathError } from "./errors.js";

/*
 * The one rule for every path the repository writes, reads or joins below a directory: archive
 * entries, object-store keys, a download's files, and the names pathFor builds them from. A path
 * is relative and `/`-separated; no segment is empty, `.` or `..`; nothing holds NUL. So a path
 * that passes stays below whatever directory or prefix it is joined to.
 */

/** Non-empty segments without `/` or NUL, none `.` or `..`, separated by single slashes. */
const SAFE_PATH = /^(?:(?!\.\.?(?:\/|$))[^/\0]+(?:\/(?!$)|$))+$/;

/** Why `segment` cannot be one segment of a path, or undefined when it can. */
export function segmentProblem(segment: string): string | undefined {
  if (segment === "" || segment === "." || segment === "..") return `segment "${segment}" not allowed`;
  if (segment.includes("/")) return "contains /";
  if (segment.includes("\0")) return "contains NUL";
  return undefined;
}

/** Why `path` breaks the rule, or undefined when it keeps it. */
export function pathProblem(path: string): string | undefined {
  if (SAFE_PATH.test(path)) return undefined; // every object's path: one scan, no split
  if (path === "") return "empty";
  if (path.startsWith("/")) return "absolute";
  if (path.includes("\0")) return "contains NUL";
  for (const segment of path.split("/")) {
    const problem = segmentProblem(segment);
    if (problem !== undefined) return problem;
  }
  return "not a relative path"; // unreachable: the checks above cover SAFE_PATH
}

/** Checks a path inside an archive or below a download directory; returns it unchanged. */
export function checkArchivePath(path: string): string {
  const problem = pathProblem(path);
  if (problem !== undefined) throw new UnsafePathError(path, problem);
  return path;
}
