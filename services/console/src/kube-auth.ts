import { createHash } from "node:crypto";
import type { KubeClient } from "@kubedump/kube";
import { HttpError } from "./http-error.js";

/** Who a token belongs to, as the TokenReview says. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What a SubjectAccessReview asks: may the user `verb` this resource (in this namespace, this name)? */
export interface Access {
  verb: string;
  /** "" for the core group. */
  group: string;
  resource: string;
  /** Absent or "": cluster-wide. */
  namespace?: string;
  name?: string;
}

export interface KubeAuth {
  /** The user of a bearer token; undefined when the API server does not accept it. */
  authenticate(token: string): Promise<UserInfo | undefined>;
  /** Whether the cluster's RBAC lets the user do it. */
  allowed(user: UserInfo, access: Access): Promise<boolean>;
  /** allowed(), or a 403 HttpError saying what is needed. */
  require(user: UserInfo, access: Access): Promise<void>;
}

/** Answers kept at most; the oldest go first. */
const MAX_CACHED = 10_000;

/** A small TTL cache of promises: concurrent asks share one request; a failed request is not kept. */
function ttlCache<T>(ttlMs: number, now: () => number) {
  const entries = new Map<string, { until: number; value: Promise<T> }>();
  return (key: string, load: () => Promise<T>): Promise<T> => {
    const hit = entries.get(key);
    if (hit && hit.until > now()) return hit.value;
    const value = load();
    entries.delete(key);
    entries.set(key, { until: now() + ttlMs, value });
    value.catch(() => entries.delete(key));
    if (entries.size > MAX_CACHED) entries.delete(entries.keys().next().value as string);
    return value;
  };
}

/** `secrets in demo`, `clusterroles.rbac.authorization.k8s.io cluster-wide`: what a 403 names. */
export function describeAccess(a: Access): string {
  const type = a.group ? `${a.resource}.${a.group}` : a.resource;
  return `${a.verb} on ${type}${a.name ? ` "${a.name}"` : ""} ${a.namespace ? `in ${a.namespace}` : "cluster-wide"}`;
}

/**
 * TokenReview and SubjectAccessReview through the console's own client (its ServiceAccount may
 * create both): every request's token is checked, and every action is authorized as the user the
 * token belongs to, against the cluster's RBAC. Answers are reused for `ttlMs`; tokens are cached
 * by their sha256, never kept as they are.
 */
export function createKubeAuth(deps: { client: KubeClient; ttlMs: number; now?: () => number }): KubeAuth {
  const { client } = deps;
  const now = deps.now ?? Date.now;
  const users = ttlCache<UserInfo | undefined>(deps.ttlMs, now);
  const answers = ttlCache<boolean>(deps.ttlMs, now);
  const review = async (token: string): Promise<UserInfo | undefined> => {
    const res = await client.create<{ status?: { authenticated?: boolean; user?: UserInfo } }>(
      "/apis/authentication.k8s.io/v1/tokenreviews",
      { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } },
    );
    const user = res.status?.authenticated ? res.status.user : undefined;
    return user?.username ? { ...user, groups: user.groups ?? [] } : undefined;
  };
  const ask = async (user: UserInfo, access: Access): Promise<boolean> => {
    const { verb, group, resource, namespace, name } = access;
    const res = await client.create<{ status?: { allowed?: boolean } }>(
      "/apis/authorization.k8s.io/v1/subjectaccessreviews",
      {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: user.username,
          uid: user.uid,
          groups: user.groups,
          extra: user.extra,
          resourceAttributes: { verb, group, resource, namespace: namespace || undefined, name: name || undefined },
        },
      },
    );
    return res.status?.allowed === true;
  };
  const auth: KubeAuth = {
    authenticate: (token) => users(createHash("sha256").update(token).digest("hex"), () => review(token)),
    allowed: (user, access) => answers(JSON.stringify([user, access]), () => ask(user, access)),
    async require(user, access) {
      if (!(await auth.allowed(user, access)))
        throw new HttpError(403, `${user.username} needs ${describeAccess(access)}`);
    },
  };
  return auth;
}
