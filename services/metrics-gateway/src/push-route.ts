import { posix } from "node:path";
import type { PushPathParams } from "./grouping-path.js";

/** The methods the Pushgateway routes on a push path, as its 405 and OPTIONS answers list them. */
export const PUSH_METHODS_ALLOWED = "DELETE, OPTIONS, POST, PUT";
const WRITE_METHODS = new Set(["PUT", "POST", "DELETE"]);

/** Where a request for a push path goes: a handler, a redirect, or nowhere (not a push path). */
export type PushRoute =
  | { kind: "push"; params: PushPathParams }
  | { kind: "redirect"; location: string }
  | { kind: "none" };

const ROUTE = /^\/metrics\/job(@base64)?\/([^/]+)(\/.*)?$/s;

/**
 * Routes a percent-decoded path as the Pushgateway's router (httprouter) does. A push path is
 * `/metrics/job[@base64]/<job>[/<labels>…]` with a non-empty job segment, matched on the decoded
 * path, so `%2F` separates segments. For PUT, POST and DELETE only: `/metrics/job/` redirects to
 * `/metrics/job`, and a path that matches once cleaned of `//`, `.` and `..`, or once the case
 * of `/metrics/job` is fixed, redirects there.
 */
export function routePushPath(path: string, method: string): PushRoute {
  const params = matchRoute(path);
  if (params) return { kind: "push", params };
  if (!WRITE_METHODS.has(method)) return { kind: "none" };
  if (path === "/metrics/job/") return { kind: "redirect", location: "/metrics/job" };
  const fixed = caseFixed(cleanPath(path));
  return fixed && fixed !== path && matchRoute(fixed)
    ? { kind: "redirect", location: escapePath(fixed) }
    : { kind: "none" };
}

function matchRoute(path: string): PushPathParams | undefined {
  const match = ROUTE.exec(path);
  if (!match) return undefined;
  return { jobBase64: match[1] !== undefined, job: match[2] ?? "", labels: match[3] ?? "" };
}

/** `/METRICS/Job/x` → `/metrics/job/x`: httprouter fixes the case of a route's fixed part. */
function caseFixed(path: string): string | undefined {
  const match = /^\/metrics\/job(@base64)?\//i.exec(path);
  if (!match) return undefined;
  return `/metrics/job${match[1] ? "@base64" : ""}/${path.slice(match[0].length)}`;
}

/** Go's path cleaning: no `//`, `.` or `..` segments, the trailing slash kept. */
export function cleanPath(path: string): string {
  const rooted = path.startsWith("/") ? path : `/${path}`;
  const resolved = posix.resolve(rooted);
  return rooted.endsWith("/") && resolved !== "/" ? `${resolved}/` : resolved;
}

/** Escapes a decoded path as Go's URL does for a Location: UTF-8 %XX but for letters, digits and `-_.~$&+,/:;=@`. */
export function escapePath(path: string): string {
  return Array.from(Buffer.from(path, "utf8"))
    .map((byte) => {
      const ch = String.fromCharCode(byte);
      return /[A-Za-z0-9\-_.~$&+,/:;=@]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}
