import {
  type CompiledFilters,
  compileFilters,
  type DumpOptions,
  dependantTypes,
  resolveTarget,
  type Scope,
  TargetNotFoundError,
} from "@kubedump/dump";
import { discoverResources, type KubeClient, KubeUnreachableError, listPages, type ResourceType } from "@kubedump/kube";
import type { OwnerGraph } from "./owner-graph.js";
import type { TypeTarget } from "./type-recorder.js";

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
 * its Namespace object (by name) unless the filters leave it out; an application scope
 * (applicationWatches) needs its OwnerGraph.
 */
export async function planWatches(client: KubeClient, opts: DumpOptions, graph?: OwnerGraph): Promise<WatchPlan> {
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
  if (scope.type === "application") {
    if (!graph) throw new TypeError("planWatches: an application scope needs its OwnerGraph");
    for (const t of applicationWatches(discovery.resources, filters, scope, graph)) add(t);
    return { targets, unavailableGroups };
  }
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

/**
 * An application's watches, as planApplication lists it: its target by name in its type (the
 * graph's root), and with includeDependants every candidate type (dependantTypes) in the target's
 * namespace, whole: the graph sees each object's owners, `keep` takes the members. The label
 * selector is matched here, not sent: an object it leaves out may still own a member. No target
 * type served, no watches: the application is empty.
 */
function applicationWatches(
  all: ResourceType[],
  filters: CompiledFilters,
  scope: Extract<Scope, { type: "application" }>,
  graph: OwnerGraph,
): TypeTarget[] {
  let resolved: ReturnType<typeof resolveTarget>;
  try {
    resolved = resolveTarget(all, scope.target);
  } catch (err) {
    if (err instanceof TargetNotFoundError) return [];
    throw err;
  }
  const { rt, namespace } = resolved;
  const watchable = (r: ResourceType) => r.verbs.includes("watch");
  if (!watchable(rt)) return [];
  const root: TypeTarget = {
    rt,
    namespace,
    fieldSelector: `metadata.name=${scope.target.name}`,
    keep: (obj) => filters.keep(obj, rt),
    observer: graph.rootObserver(),
  };
  if (!scope.includeDependants) return [root];
  const dependants = dependantTypes(filters, resolved)
    .filter(watchable)
    .map((r): TypeTarget => {
      const key = typeKey({ rt: r, namespace });
      return {
        rt: r,
        namespace,
        keep: (obj) => graph.isMember(obj.metadata.uid) && filters.keep(obj, r),
        observer: graph.observerOf(key),
      };
    });
  return [root, ...dependants];
}

/**
 * Tells the graph who owns whom before the type recorders list (one LIST per watched type), so
 * that their first lists already know the members: without it, a type listed before its owners'
 * would record its members as deleted, then as added again. A type whose LIST fails is left to
 * its recorder.
 */
export async function loadOwners(client: KubeClient, plan: WatchPlan, pageSize?: number): Promise<void> {
  for (const { rt, namespace, fieldSelector, observer } of plan.targets.values()) {
    if (!observer) continue;
    try {
      const pages = listPages(client, rt, { namespace, fieldSelector, limit: pageSize, omitManagedFields: true });
      observer.listing();
      for await (const page of pages) for (const obj of page) observer.seen(obj);
      observer.listed();
    } catch (err) {
      if (err instanceof KubeUnreachableError) throw err;
    }
  }
}
