import { isDeepStrictEqual } from "node:util";
import {
  collectionPath,
  isAlreadyExists,
  KubeApiError,
  type KubeClient,
  type KubeObject,
  objectPath,
  type Query,
  type ResourceType,
} from "@kubedump/kube";
import { equalsLive } from "./live-equality.js";
import { type ExistingResourcePolicy, FIELD_MANAGER } from "./options.js";

const APPLY_PATCH = "application/apply-patch+yaml";

export interface WriterContext {
  client: KubeClient;
  policy: ExistingResourcePolicy;
  dryRun: boolean;
  preserveNodePorts: boolean;
  signal?: AbortSignal;
}

/** What a write did: the outcome, the object as the cluster has it (or would have it, in a dry run), notes. */
export interface Written {
  outcome: "created" | "updated" | "unchanged" | "exists";
  object: KubeObject;
  notes: string[];
}

/**
 * Creates `desired`; when it exists already, compares it with the live object and, under the
 * update policy, applies it server-side (forced, field manager kubedump) if they differ. `status`
 * (a --restore-status type's) goes through the status subresource after a create or under the
 * update policy. API errors reject (the caller reports them); `created` comes from a dry run too.
 */
export async function writeObject(
  ctx: WriterContext,
  type: ResourceType,
  desired: KubeObject,
  status?: unknown,
): Promise<Written> {
  const namespace = type.namespaced ? desired.metadata.namespace : undefined;
  const query = { fieldManager: FIELD_MANAGER, dryRun: ctx.dryRun ? "All" : undefined };
  let created: KubeObject;
  try {
    const path = collectionPath(type, namespace);
    created = await ctx.client.request<KubeObject>("POST", path, { body: desired, query, signal: ctx.signal });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    return writeExisting(ctx, type, desired, status);
  }
  const notes: string[] = [];
  // A dry run created nothing whose status could be written.
  if (status !== undefined && !ctx.dryRun) await writeStatus(ctx, type, created, status, notes);
  return { outcome: "created", object: created, notes };
}

async function writeExisting(
  ctx: WriterContext,
  type: ResourceType,
  desired: KubeObject,
  status: unknown,
): Promise<Written> {
  const path = objectPath(type, desired.metadata.name, type.namespaced ? desired.metadata.namespace : undefined);
  const live = await ctx.client.request<KubeObject>("GET", path, { signal: ctx.signal });
  const equal = equalsLive(desired, live, type, { preserveNodePorts: ctx.preserveNodePorts });
  if (ctx.policy === "none") return { outcome: equal ? "unchanged" : "exists", object: live, notes: [] };

  const notes: string[] = [];
  let after = equal ? live : await apply(ctx, path, desired);
  if (status !== undefined) after = await writeStatus(ctx, type, after, status, notes);
  return { outcome: changed(live, after, ctx.dryRun) ? "updated" : "unchanged", object: after, notes };
}

/** A forced server-side apply of `body` at `path` (an object, or its status subresource). */
function apply(ctx: WriterContext, path: string, body: unknown): Promise<KubeObject> {
  const query: Query = { fieldManager: FIELD_MANAGER, force: true, dryRun: ctx.dryRun ? "All" : undefined };
  return ctx.client.request<KubeObject>("PATCH", path, { body, query, contentType: APPLY_PATCH, signal: ctx.signal });
}

/**
 * Applies `status` to the object the cluster has as `live`, through its status subresource;
 * returns the object after it. A failure (a type without that subresource, a status the server
 * refuses) leaves the object as it was and becomes a note.
 */
async function writeStatus(
  ctx: WriterContext,
  type: ResourceType,
  live: KubeObject,
  status: unknown,
  notes: string[],
): Promise<KubeObject> {
  const { name, namespace } = live.metadata;
  const path = objectPath(type, name, type.namespaced ? namespace : undefined);
  const metadata = namespace === undefined ? { name } : { name, namespace };
  try {
    return await apply(ctx, `${path}/status`, { apiVersion: live.apiVersion, kind: live.kind, metadata, status });
  } catch (err) {
    if (!(err instanceof KubeApiError)) throw err;
    notes.push(`its status was not written: ${err.message}`);
    return live;
  }
}

/**
 * Whether a write changed the object: its resourceVersion moved. A dry run moves none, so there
 * the object as the server would keep it is compared with the live one, bookkeeping aside.
 */
function changed(before: KubeObject, after: KubeObject, dryRun: boolean): boolean {
  if (!dryRun) return before.metadata.resourceVersion !== after.metadata.resourceVersion;
  return !isDeepStrictEqual(withoutBookkeeping(before), withoutBookkeeping(after));
}

function withoutBookkeeping(obj: KubeObject): KubeObject {
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...metadata } = obj.metadata;
  return { ...obj, metadata: metadata as KubeObject["metadata"] };
}
