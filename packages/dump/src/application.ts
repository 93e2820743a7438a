import { type KubeClient, KubeUnreachableError, listPages, type ResourceType } from "@kubedump/kube";
import type { CompiledFilters } from "./filters.js";
import type { Scope } from "./options.js";

/** One LIST of the dump: a resource type, optionally one namespace, a name, or a set of uids. */
export interface PlanStep {
  rt: ResourceType;
  namespace?: string;
  fieldSelector?: string;
  only?: Set<string>;
}

export class TargetNotFoundError extends Error {
  override name = "TargetNotFoundError";
}

type AppScope = Extract<Scope, { type: "application" }>;

/** An application's target as the cluster serves it: its type, its namespace (none when cluster-scoped), a label. */
export interface ResolvedTarget {
  rt: ResourceType;
  namespace?: string;
  label: string;
}

/** The target's resource type and namespace; TargetNotFoundError when the cluster serves no such kind or a namespace is missing. */
export function resolveTarget(all: ResourceType[], target: AppScope["target"]): ResolvedTarget {
  const rt = findResourceType(all, target.apiVersion, target.kind);
  if (!rt) throw new TargetNotFoundError(`target: the cluster serves no kind ${target.kind} in ${target.apiVersion}`);
  const namespace = rt.namespaced ? target.namespace : undefined;
  if (rt.namespaced && !namespace)
    throw new TargetNotFoundError(`target: ${target.kind} is namespaced, give its namespace`);
  return { rt, namespace, label: `${target.kind} ${namespace ? `${namespace}/` : ""}${target.name}` };
}

/**
 * The types whose objects may be the target's dependants: those the filters keep, in the target's
 * namespace when it has one, except the target's own type.
 */
export function dependantTypes(filters: CompiledFilters, { rt, namespace }: ResolvedTarget): ResourceType[] {
  return filters.resources.filter((r) => (namespace ? r.namespaced : true) && r.key !== rt.key);
}

/**
 * The target object, plus with includeDependants every object that names it, or names one of its
 * dependants, in ownerReferences (found by a first pass over the candidate types).
 */
export async function planApplication(
  client: KubeClient,
  all: ResourceType[],
  filters: CompiledFilters,
  scope: AppScope,
  pageSize?: number,
): Promise<{ plan: PlanStep[]; warnings: string[] }> {
  const { target } = scope;
  const resolved = resolveTarget(all, target);
  const { rt, namespace, label } = resolved;
  let targetUid: string | undefined;
  for await (const page of listPages(client, rt, { namespace, fieldSelector: `metadata.name=${target.name}` })) {
    targetUid = page[0]?.metadata.uid;
  }
  if (!targetUid) throw new TargetNotFoundError(`target: ${label} not found`);
  const plan: PlanStep[] = [{ rt, namespace, fieldSelector: `metadata.name=${target.name}` }];
  if (!scope.includeDependants) return { plan, warnings: [] };

  // Pass 1: who owns whom, among the candidate types.
  const children = new Map<string, string[]>();
  const typeOf = new Map<string, ResourceType>();
  const warnings: string[] = [];
  const candidates = dependantTypes(filters, resolved);
  for (const c of candidates) {
    try {
      for await (const page of listPages(client, c, { namespace, limit: pageSize })) {
        for (const obj of page) {
          const uid = obj.metadata.uid;
          if (!uid || !obj.metadata.ownerReferences?.length) continue;
          typeOf.set(uid, c);
          for (const ref of obj.metadata.ownerReferences) {
            const list = children.get(ref.uid) ?? [];
            list.push(uid);
            children.set(ref.uid, list);
          }
        }
      }
    } catch (err) {
      if (err instanceof KubeUnreachableError) throw err;
      warnings.push(`listing ${c.key} to find dependants of ${label} failed: ${(err as Error).message}`);
    }
  }
  // Closure over ownerReferences, then one step per type that holds a dependant.
  const byType = new Map<ResourceType, Set<string>>();
  const queue = [targetUid];
  const seen = new Set(queue);
  while (queue.length) {
    for (const child of children.get(queue.pop()!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      queue.push(child);
      const t = typeOf.get(child)!;
      const set = byType.get(t) ?? new Set<string>();
      set.add(child);
      byType.set(t, set);
    }
  }
  for (const [t, only] of byType) plan.push({ rt: t, namespace, only });
  return { plan, warnings };
}

export function findResourceType(
  resources: ResourceType[],
  apiVersion: string,
  kind: string,
): ResourceType | undefined {
  const i = apiVersion.indexOf("/");
  const group = i < 0 ? "" : apiVersion.slice(0, i);
  return resources.find((r) => r.group === group && r.kind === kind);
}
