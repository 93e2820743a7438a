import type { Repository } from "@kubedump/repository";
import { pathFor } from "@kubedump/repository/snapshot";
import { notFound } from "./http-error.js";

/** One object of a snapshot as the tree shows it, with the part that holds it. */
export interface ObjectRow {
  name: string;
  kind: string;
  version: string;
  sha256: string;
  bytes: number;
  part: number;
}

/** The objects of one resource type in one namespace ("" = cluster-scoped), sorted by name. */
export interface ResourceRows {
  resource: string;
  group: string;
  kind: string;
  rows: ObjectRow[];
}

/**
 * A snapshot's index, read once, kept as namespace → `<resource>[.<group>]` → rows sorted by
 * name: what the tree pages through, and where an object's part is found without reading the
 * index again. The uids and owner references of the index are not kept.
 */
export interface SnapshotSummary {
  id: string;
  namespaces: Map<string, Map<string, ResourceRows>>;
}

/** The record an object read or a selection needs: where it sits (part and path) and its digest. */
export interface LocatedObject extends ObjectRow {
  namespace: string;
  resource: string;
  group: string;
  path: string;
}

export const typeKey = (resource: string, group: string) => (group ? `${resource}.${group}` : resource);

async function readSummary(repository: Repository, id: string): Promise<SnapshotSummary> {
  const namespaces = new Map<string, Map<string, ResourceRows>>();
  for await (const r of repository.readIndex(id)) {
    const ns = r.namespace ?? "";
    const types = namespaces.get(ns) ?? namespaces.set(ns, new Map()).get(ns)!;
    const key = typeKey(r.resource, r.group);
    const rows =
      types.get(key) ?? types.set(key, { resource: r.resource, group: r.group, kind: r.kind, rows: [] }).get(key)!;
    rows.rows.push({ name: r.name, kind: r.kind, version: r.version, sha256: r.sha256, bytes: r.bytes, part: r.part });
  }
  for (const types of namespaces.values())
    for (const t of types.values()) t.rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { id, namespaces };
}

/**
 * Summaries of the snapshots last asked for, at most `entries` of them (least recently used
 * dropped first); concurrent asks for one snapshot share one read of its index.
 */
export function createSummaryCache(entries: number) {
  const cache = new Map<string, Promise<SnapshotSummary>>();
  return (repositoryKey: string, repository: Repository, id: string): Promise<SnapshotSummary> => {
    const key = `${repositoryKey}\n${id}`;
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const summary = readSummary(repository, id);
    cache.set(key, summary);
    summary.catch(() => cache.delete(key));
    while (cache.size > entries) cache.delete(cache.keys().next().value as string);
    return summary;
  };
}

/** Level 1 of the tree: the namespaces ("" = cluster-scoped first) and their object counts. */
export function namespacesOf(s: SnapshotSummary) {
  return [...s.namespaces]
    .map(([namespace, types]) => ({ namespace, objects: [...types.values()].reduce((n, t) => n + t.rows.length, 0) }))
    .sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
}

function typesIn(s: SnapshotSummary, namespace: string): Map<string, ResourceRows> {
  const types = s.namespaces.get(namespace);
  if (!types) throw notFound(`namespace "${namespace}": snapshot ${s.id} holds no objects there`);
  return types;
}

/** Level 2: the resource types of one namespace. */
export function resourcesOf(s: SnapshotSummary, namespace: string) {
  return [...typesIn(s, namespace).entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, t]) => ({ resource: t.resource, group: t.group, kind: t.kind, objects: t.rows.length }));
}

function rowsOf(s: SnapshotSummary, namespace: string, resource: string, group: string): ResourceRows {
  const t = typesIn(s, namespace).get(typeKey(resource, group));
  if (!t) throw notFound(`resource "${typeKey(resource, group)}": snapshot ${s.id} holds none in "${namespace}"`);
  return t;
}

/** Index of the first row whose name sorts after `after`. */
function firstAfter(rows: readonly ObjectRow[], after: string): number {
  let [lo, hi] = [0, rows.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((rows[mid] as ObjectRow).name <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Level 3: one page of names of a type in a namespace, after the name `after`; `next` is the cursor of the next page. */
export function pageOf(
  s: SnapshotSummary,
  where: { namespace: string; resource: string; group: string; after?: string; limit: number },
) {
  const { rows } = rowsOf(s, where.namespace, where.resource, where.group);
  const start = where.after === undefined ? 0 : firstAfter(rows, where.after);
  const page = rows.slice(start, start + where.limit);
  const more = start + page.length < rows.length;
  return {
    items: page.map(({ name, kind, version, sha256, bytes }) => ({ name, kind, version, sha256, bytes })),
    next: more && page.length ? (page[page.length - 1] as ObjectRow).name : null,
  };
}

const located = (namespace: string, t: ResourceRows, row: ObjectRow): LocatedObject => ({
  ...row,
  namespace,
  resource: t.resource,
  group: t.group,
  path: pathFor({ group: t.group, resource: t.resource, namespace: namespace || undefined, name: row.name }),
});

/** One object, or a 404 naming it. */
export function findObject(
  s: SnapshotSummary,
  where: { namespace: string; resource: string; group: string; name: string },
): LocatedObject {
  const t = rowsOf(s, where.namespace, where.resource, where.group);
  const i = firstAfter(t.rows, where.name) - 1;
  const row = t.rows[i];
  if (!row || row.name !== where.name)
    throw notFound(`${typeKey(where.resource, where.group)} "${where.name}" is not in snapshot ${s.id}`);
  return located(where.namespace, t, row);
}

/** The objects of a selection: a namespace (or all), a type of it (or all), a name (or all). */
export function selectObjects(
  s: SnapshotSummary,
  where: { namespace?: string; resource?: string; group?: string; name?: string },
): LocatedObject[] {
  const out: LocatedObject[] = [];
  const namespaces = where.namespace === undefined ? [...s.namespaces.keys()] : [where.namespace];
  for (const ns of namespaces) {
    const types = typesIn(s, ns);
    const wanted =
      where.resource === undefined ? [...types.values()] : [rowsOf(s, ns, where.resource, where.group ?? "")];
    for (const t of wanted)
      for (const row of t.rows) if (where.name === undefined || row.name === where.name) out.push(located(ns, t, row));
  }
  return out;
}
