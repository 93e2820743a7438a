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
 * How the user may see an object: in full with `get` on it; Secrets without that
 * masked; anything else without it refused (403 naming what is needed).
 */
export async function contentAccess(auth: KubeAuth, user: UserInfo, o: ContentObject): Promise<"full" | "masked"> {
  const access = { ...getOn(o), name: o.name };
  if (await auth.allowed(user, access)) return "full";
  if (isSecret(o)) return "masked";
  throw new HttpError(403, `${user.username} needs ${describeAccess(access)}`);
}

/** An object of a selection: its type, where, and its name. */
export interface ContentObject extends ContentType {
  name: string;
}

/** Objects of a type the user may not get type-wide that are still asked about one by one. */
export const MAX_NAMED_CHECKS = 20;

/** Runs `fn` over items, `concurrency` at a time. */
export async function eachLimit<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Whether the user may get the object: its type there, or it by name. */
export async function mayGet(auth: KubeAuth, user: UserInfo, o: ContentObject): Promise<boolean> {
  return (await auth.allowed(user, getOn(o))) || auth.allowed(user, { ...getOn(o), name: o.name });
}

/** The objects of a selection by type. */
function byType(objects: readonly ContentObject[]): Map<string, ContentObject[]> {
  const types = new Map<string, ContentObject[]>();
  for (const o of objects) {
    const key = JSON.stringify([o.group, o.resource, o.namespace]);
    const group = types.get(key);
    if (group) group.push(o);
    else types.set(key, [o]);
  }
  return types;
}

/**
 * The first access a selection needs and the user lacks, or undefined: `get` on each type in each
 * namespace; for a type denied as a whole and at most MAX_NAMED_CHECKS of its objects, `get` on
 * each of them by name (RBAC may grant single objects, such as one's own Namespace).
 */
export async function deniedAccess(
  auth: KubeAuth,
  user: UserInfo,
  objects: readonly ContentObject[],
  concurrency = 8,
): Promise<ContentObject | ContentType | undefined> {
  const denied: (ContentObject | ContentType)[] = [];
  await eachLimit([...byType(objects).values()], concurrency, async (group) => {
    const type = group[0] as ContentObject;
    if (await auth.allowed(user, getOn(type))) return;
    if (group.length > MAX_NAMED_CHECKS) return void denied.push(getOn(type));
    for (const o of group) if (!(await auth.allowed(user, { ...getOn(o), name: o.name }))) return void denied.push(o);
  });
  return denied[0];
}

/** The 403 of a selection that holds a type the user may not get. */
export const selectionDenied = (user: UserInfo, t: ContentType & { name?: string }) =>
  new HttpError(
    403,
    `${user.username} needs ${describeAccess({ ...getOn(t), name: t.name })} (the selection holds it)`,
  );
