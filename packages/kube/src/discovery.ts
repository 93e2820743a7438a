import type { KubeClient } from "./client.js";
import { apiPathOf, type ResourceType, resourceKey } from "./resources.js";

/** An API group that could not be discovered; the backup goes on without it. */
export interface DiscoveryWarning {
  group: string;
  groupVersion: string;
  message: string;
}

export interface DiscoveryResult {
  resources: ResourceType[];
  warnings: DiscoveryWarning[];
  serverVersion?: string;
}

/**
 * The same objects served under two groups: list only the canonical one (left → right), when the
 * server has it. Custom kinds whose names merely collide with built-in ones are different objects
 * and are never merged.
 */
export const RESOURCE_ALIASES: Readonly<Record<string, string>> = {
  "events.events.k8s.io": "events",
  "ingresses.extensions": "ingresses.networking.k8s.io",
  "networkpolicies.extensions": "networkpolicies.networking.k8s.io",
  "deployments.extensions": "deployments.apps",
  "daemonsets.extensions": "daemonsets.apps",
  "replicasets.extensions": "replicasets.apps",
};

interface APIResource {
  name: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
}
interface APIGroup {
  name: string;
  preferredVersion?: { groupVersion: string; version: string };
  versions: { groupVersion: string; version: string }[];
}

/** Aggregated discovery (GA in Kubernetes 1.30): every group's resources in one response. */
const AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

interface GroupDiscoveryList {
  kind: "APIGroupDiscoveryList";
  items: {
    metadata: { name?: string };
    /** Most preferred first. */
    versions: {
      version: string;
      /** "Stale": an aggregated API server that did not answer. */
      freshness?: string;
      resources?: { resource: string; responseKind?: { kind?: string }; scope: string; verbs?: string[] }[];
    }[];
  }[];
}

const isAggregated = (body: unknown): body is GroupDiscoveryList =>
  (body as { kind?: string } | undefined)?.kind === "APIGroupDiscoveryList";

export interface DiscoveryOptions {
  /** Ask for aggregated discovery, and use it when the server speaks it (default true). */
  aggregated?: boolean;
}

/**
 * Every resource that can be listed and read, at its group's preferred version: from aggregated
 * discovery (two requests) where the server offers it, else group by group.
 */
export async function discoverResources(client: KubeClient, opts: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const accept = opts.aggregated === false ? "application/json" : `${AGGREGATED},application/json`;
  const [core, groups, version] = await Promise.all([
    client.request<unknown>("GET", "/api", { accept }),
    client.request<unknown>("GET", "/apis", { accept }),
    client.get<{ gitVersion: string }>("/version").catch(() => undefined),
  ]);
  const found =
    isAggregated(core) && isAggregated(groups)
      ? fromAggregated([...core.items, ...groups.items])
      : await groupByGroup(client, isAggregated(core) ? undefined : core, isAggregated(groups) ? undefined : groups);
  const present = new Set(found.resources.map((r) => r.key));
  const resources = found.resources
    .filter((r) => !(RESOURCE_ALIASES[r.key] && present.has(RESOURCE_ALIASES[r.key]!)))
    .sort((a, b) => byCodePoint(a.key, b.key));
  const warnings = found.warnings.sort((a, b) => byCodePoint(a.group, b.group));
  return { resources, warnings, serverVersion: version?.gitVersion };
}

/**
 * Keys and group names are ASCII: plain comparison orders them. `localeCompare`'s first call in a
 * process sets up ICU's collator, before the first LIST of every backup (docs/benchmarks.md).
 */
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function fromAggregated(items: GroupDiscoveryList["items"]): {
  resources: ResourceType[];
  warnings: DiscoveryWarning[];
} {
  const resources: ResourceType[] = [];
  const warnings: DiscoveryWarning[] = [];
  for (const item of items) {
    const group = item.metadata.name ?? "";
    const preferred = item.versions[0];
    if (!preferred) continue;
    const groupVersion = group ? `${group}/${preferred.version}` : preferred.version;
    if (preferred.freshness === "Stale") {
      warnings.push({
        group: group || "core",
        groupVersion,
        message: "its discovery is stale: the API server serving it did not answer",
      });
      continue;
    }
    for (const r of preferred.resources ?? []) {
      if (!r.responseKind?.kind) continue;
      const rt = toResourceType(group, preferred.version, {
        name: r.resource,
        namespaced: r.scope === "Namespaced",
        kind: r.responseKind.kind,
        verbs: r.verbs,
      });
      if (isListable(rt)) resources.push(rt);
    }
  }
  return { resources, warnings };
}

/**
 * Servers before aggregated discovery: the group list, then each group's preferred version.
 * `/api` and `/apis` as already read in the plain format are used as they are.
 */
async function groupByGroup(
  client: KubeClient,
  coreRead?: unknown,
  groupsRead?: unknown,
): Promise<{ resources: ResourceType[]; warnings: DiscoveryWarning[] }> {
  const [core, groups] = await Promise.all([
    (coreRead as { versions: string[] } | undefined) ?? client.get<{ versions: string[] }>("/api"),
    (groupsRead as { groups: APIGroup[] } | undefined) ?? client.get<{ groups: APIGroup[] }>("/apis"),
  ]);
  const targets: { group: string; version: string }[] = [];
  if (core.versions.includes("v1")) targets.push({ group: "", version: "v1" });
  for (const g of groups.groups) {
    const preferred = g.preferredVersion ?? g.versions[0];
    if (preferred) targets.push({ group: g.name, version: preferred.version });
  }
  const warnings: DiscoveryWarning[] = [];
  const lists = await Promise.all(
    targets.map(async ({ group, version }) => {
      const groupVersion = group ? `${group}/${version}` : version;
      try {
        const list = await client.get<{ resources?: APIResource[] }>(apiPathOf(group, version));
        return (list.resources ?? []).map((r) => toResourceType(group, version, r)).filter(isListable);
      } catch (err) {
        warnings.push({ group: group || "core", groupVersion, message: (err as Error).message });
        return [];
      }
    }),
  );
  return { resources: lists.flat(), warnings };
}

function toResourceType(group: string, version: string, r: APIResource): ResourceType {
  return {
    group,
    version,
    resource: r.name,
    kind: r.kind,
    namespaced: r.namespaced,
    verbs: r.verbs ?? [],
    key: resourceKey(r.name, group),
    apiPath: apiPathOf(group, version),
  };
}

const isListable = (r: ResourceType): boolean =>
  !r.resource.includes("/") && r.verbs.includes("list") && r.verbs.includes("get");
