import { discoverResources, type KubeClient, type KubeObject, objectPath, type ResourceType } from "@kubedump/kube";
import { type PlanStep, planApplication, TargetNotFoundError } from "./application.js";
import { type CompiledFilters, compileFilters } from "./filters.js";
import type { DumpOptions } from "./options.js";
import { NAMESPACES, pickNamespaces } from "./pick-namespaces.js";

/** What a dump will do: its LISTs in order, and what discovery and planning found on the way. */
export interface DumpPlan {
  steps: PlanStep[];
  filters: CompiledFilters;
  /** Discovery's failed API groups and planning's failed LISTs, as the snapshot's warnings. */
  warnings: string[];
  serverVersion?: string;
  /** Objects fetched while planning that go into the snapshot before the first LIST. */
  lead?: { rt: ResourceType; objects: KubeObject[] };
}

/** discover → filter → plan: the LISTs of a cluster, namespace or application backup. */
export async function planDump(client: KubeClient, opts: DumpOptions): Promise<DumpPlan> {
  // A cluster backup limited to a few namespaces lists the namespaces first: alongside discovery.
  const picking =
    opts.scope.type === "cluster" && opts.includeNamespaces?.length ? pickNamespaces(client, opts) : undefined;
  picking?.catch(() => {}); // awaited in clusterPlan; discovery may fail first
  const discovery = await discoverResources(client);
  const filters = compileFilters(opts, discovery.resources);
  const base = {
    filters,
    serverVersion: discovery.serverVersion,
    warnings: discovery.warnings.map(
      (w) =>
        `API group ${w.groupVersion} could not be discovered, its resources are not in this snapshot: ${w.message}`,
    ),
  };
  const { scope } = opts;
  if (scope.type === "application") {
    const app = await planApplication(client, discovery.resources, filters, scope, opts.pageSize);
    return { ...base, steps: app.plan, warnings: [...base.warnings, ...app.warnings] };
  }
  if (scope.type === "namespace")
    return { ...base, ...(await namespacePlan(client, discovery.resources, filters, scope.namespace)) };
  return { ...base, steps: await clusterPlan(discovery.resources, filters, picking) };
}

/** A namespace backup's LISTs, and the namespace itself unless cluster-scoped kinds are listed anyway. */
async function namespacePlan(
  client: KubeClient,
  all: ResourceType[],
  filters: CompiledFilters,
  namespace: string,
): Promise<Pick<DumpPlan, "steps" | "lead">> {
  const nsType = all.find((r) => r.key === "namespaces");
  if (!nsType) throw new TargetNotFoundError("the cluster serves no namespaces resource");
  const ns = await getOrNull(client, nsType, namespace);
  if (!ns) throw new TargetNotFoundError(`namespace "${namespace}" not found`);
  const steps = filters.resources.map((rt) => (rt.namespaced ? { rt, namespace } : { rt }));
  if (!steps.some((p) => p.rt === nsType) && filters.allowsType(nsType))
    return { steps, lead: { rt: nsType, objects: [ns] } };
  return { steps };
}

/**
 * A cluster backup's LISTs: cluster-wide, filtered by `keep`; or, when includeNamespaces picked
 * only a few namespaces, their namespaced types namespace by namespace.
 */
async function clusterPlan(
  all: ResourceType[],
  filters: CompiledFilters,
  picking: Promise<string[] | undefined> | undefined,
): Promise<PlanStep[]> {
  const wide = filters.resources.map((rt) => ({ rt }));
  const picked = await picking;
  if (!picked || !all.some((r) => r.key === NAMESPACES.key && r.apiPath === NAMESPACES.apiPath)) return wide;
  return filters.resources.flatMap((rt) => (rt.namespaced ? picked.map((namespace) => ({ rt, namespace })) : [{ rt }]));
}

async function getOrNull(
  client: KubeClient,
  rt: ResourceType,
  name: string,
  namespace?: string,
): Promise<KubeObject | null> {
  try {
    return await client.get<KubeObject>(objectPath(rt, name, namespace));
  } catch (err) {
    if ((err as { status?: number }).status === 404) return null;
    throw err;
  }
}
