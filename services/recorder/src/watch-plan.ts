import { type CompiledFilters, compileFilters, type DumpOptions } from "@kubedump/dump";
import { discoverResources, type KubeClient } from "@kubedump/kube";
import type { TypeTarget } from "./type-recorder.js";

/** Scopes the recorder follows; an application's owner graph is not watched (yet). */
export class UnsupportedScopeError extends Error {
  override readonly name = "UnsupportedScopeError";
}

/** What a scope's recorder watches now, and what discovery could not see. */
export interface WatchPlan {
  /** By `typeKey`. */
  targets: Map<string, TypeTarget>;
  /** API groups discovery could not read: their types are kept as they are, neither dropped nor relisted. */
  unavailableGroups: Set<string>;
}

/** A target's key: its resource type (`resource[.group]`), with its namespace when limited to one. */
export const typeKey = (t: Pick<TypeTarget, "rt" | "namespace">): string =>
  t.namespace ? `${t.rt.key}@${t.namespace}` : t.rt.key;

/**
 * The types a backup with `opts` lists (plan-dump.ts's cluster and namespace plans) as watch
 * targets, each with the filters' per-object predicate: a cluster scope watches every type
 * cluster-wide (the namespace filters then apply per object, as a backup limited to a few
 * namespaces keeps the same objects); a namespace scope watches its namespaced types in it and
 * its Namespace object (by name) unless the filters leave it out.
 */
export async function planWatches(client: KubeClient, opts: DumpOptions): Promise<WatchPlan> {
  const discovery = await discoverResources(client);
  const filters = compileFilters(opts, discovery.resources);
  const unavailableGroups = new Set(discovery.warnings.map((w) => w.groupVersion.split("/")[0] ?? ""));
  const targets = new Map<string, TypeTarget>();
  const add = (t: TypeTarget) => targets.set(typeKey(t), t);
  const base = (rt: TypeTarget["rt"]) => ({
    rt,
    labelSelector: opts.labelSelector,
    keep: (obj: Parameters<CompiledFilters["keep"]>[0]) => filters.keep(obj, rt),
  });
  const { scope } = opts;
  if (scope.type === "application")
    throw new UnsupportedScopeError(
      "an application target is not recorded continuously; target a namespace or the cluster",
    );
  const watchable = filters.resources.filter((rt) => rt.verbs.includes("watch"));
  if (scope.type === "cluster") for (const rt of watchable) add(base(rt));
  else {
    for (const rt of watchable) add(rt.namespaced ? { ...base(rt), namespace: scope.namespace } : base(rt));
    const nsType = discovery.resources.find((r) => r.key === "namespaces");
    if (nsType && !targets.has(typeKey({ rt: nsType })) && filters.allowsType(nsType))
      add({ ...base(nsType), fieldSelector: `metadata.name=${scope.namespace}`, labelSelector: undefined });
  }
  return { targets, unavailableGroups };
}
