import type { KubeClient } from "./client.js";
import { isGone } from "./errors.js";
import { apiVersionOf, collectionPath, type KubeObject, type ResourceType } from "./resources.js";

export const DEFAULT_PAGE_SIZE = 500;
const MAX_RESTARTS = 3;

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Objects per page (default 500). */
  limit?: number;
  /**
   * When a continue token expires (410): start again and skip objects already yielded (default),
   * or throw the 410 — for callers that need one consistent snapshot, like an informer.
   */
  restartOnExpiry?: boolean;
  signal?: AbortSignal;
}

/** What the generator returns when it is done. */
export interface ListSummary {
  /** The resourceVersion of the (last) list: watch from here. */
  resourceVersion: string;
  /** How often the list started again after its continue token expired. */
  restarts: number;
}

interface ListResponse {
  metadata: { continue?: string; resourceVersion?: string };
  items: KubeObject[];
}

/**
 * Lists one resource type page by page, so memory holds one page at a time. When a continue
 * token expires (410 Gone) the list starts again and objects already yielded are skipped.
 * Items get their apiVersion and kind, which list responses leave out.
 */
export async function* listPages(client: KubeClient, rt: ResourceType, opts: ListOptions = {}): AsyncGenerator<KubeObject[], ListSummary> {
  const path = collectionPath(rt, opts.namespace);
  const apiVersion = apiVersionOf(rt.group, rt.version);
  const seen = new Set<string>();
  let restarts = 0;
  let cont: string | undefined;
  let resourceVersion = "";
  for (;;) {
    let page: ListResponse;
    try {
      const query = { limit: opts.limit ?? DEFAULT_PAGE_SIZE, continue: cont, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
      page = await client.request<ListResponse>("GET", path, { query, signal: opts.signal });
    } catch (err) {
      if (!cont || !isGone(err) || opts.restartOnExpiry === false || restarts >= MAX_RESTARTS) throw err;
      restarts++;
      cont = undefined;
      continue;
    }
    const items: KubeObject[] = [];
    for (const item of page.items) {
      const uid = item.metadata.uid;
      if (uid) {
        if (seen.has(uid)) continue;
        seen.add(uid);
      }
      item.apiVersion = apiVersion;
      item.kind = rt.kind;
      items.push(item);
    }
    resourceVersion = page.metadata.resourceVersion ?? resourceVersion;
    if (items.length) yield items;
    cont = page.metadata.continue || undefined;
    if (!cont) return { resourceVersion, restarts };
  }
}
