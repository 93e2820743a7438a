import type { TargetRef } from "@kubedump/dump";

export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * `<apiVersion>/<Kind>/<namespace>/<name>` or, for a cluster-scoped kind, `<apiVersion>/<Kind>/<name>`;
 * the apiVersion may itself hold a slash (`apps/v1/Deployment/prod/web`).
 */
export function parseTarget(s: string): TargetRef {
  const parts = s.split("/");
  const k = parts.findIndex((p, i) => i > 0 && /^[A-Z]/.test(p));
  const rest = k < 0 ? [] : parts.slice(k + 1);
  if (k < 1 || k > 2 || rest.length < 1 || rest.length > 2 || parts.some((p) => p === "")) {
    throw new UsageError(
      `--target "${s}": expected <apiVersion>/<Kind>/<namespace>/<name> (e.g. apps/v1/Deployment/prod/web) or <apiVersion>/<Kind>/<name> for a cluster-scoped kind`,
    );
  }
  const ref: TargetRef = { apiVersion: parts.slice(0, k).join("/"), kind: parts[k]!, name: rest[rest.length - 1]! };
  if (rest.length === 2) ref.namespace = rest[0]!;
  return ref;
}
