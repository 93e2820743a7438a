import { describeAccess, type KubeAuth, type UserInfo } from "./kube-auth.js";
import { HttpError } from "./http-error.js";
import { isSecret } from "./secret-mask.js";

/** A resource type in a namespace ("" = cluster-scoped). */
export interface ContentType {
  group: string;
  resource: string;
  namespace: string;
}

const getOn = (t: ContentType) => ({ verb: "get", group: t.group, resource: t.resource, namespace: t.namespace });

/**
 * How the user may see objects of a type: in full with `get` on it there; Secrets without that
 * masked; anything else without it refused (403 naming what is needed).
 */
export async function contentAccess(auth: KubeAuth, user: UserInfo, t: ContentType): Promise<"full" | "masked"> {
  if (await auth.allowed(user, getOn(t))) return "full";
  if (isSecret(t)) return "masked";
  throw new HttpError(403, `${user.username} needs ${describeAccess(getOn(t))}`);
}

/** The distinct types of some objects. */
export function typesOf(objects: readonly ContentType[]): ContentType[] {
  const seen = new Map<string, ContentType>();
  for (const { group, resource, namespace } of objects)
    seen.set(JSON.stringify([group, resource, namespace]), { group, resource, namespace });
  return [...seen.values()];
}

/** Asks for each type at most `concurrency` at a time; resolves with those the user may not get. */
export async function deniedTypes(
  auth: KubeAuth,
  user: UserInfo,
  types: readonly ContentType[],
  concurrency = 8,
): Promise<ContentType[]> {
  const denied: ContentType[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < types.length; i = next++) {
      const t = types[i] as ContentType;
      if (!(await auth.allowed(user, getOn(t)))) denied.push(t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, types.length) }, worker));
  return denied;
}

/** The 403 of a selection that holds a type the user may not get. */
export const selectionDenied = (user: UserInfo, t: ContentType) =>
  new HttpError(403, `${user.username} needs ${describeAccess(getOn(t))} (the selection holds such objects)`);
