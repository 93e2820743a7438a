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

/** Every resource that can be listed and read, at its group's preferred version. */
export async function discoverResources(client: KubeClient): Promise<DiscoveryResult> {
  const [core, groups, version] = await Promise.all([
    client.get<{ versions: string[] }>("/api"),
    client.get<{ groups: APIGroup[] }>("/apis"),
    client.get<{ gitVersion: string }>("/version").catch(() => undefined),
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
  const all = lists.flat();
  const present = new Set(all.map((r) => r.key));
  const resources = all
    .filter((r) => !(RESOURCE_ALIASES[r.key] && present.has(RESOURCE_ALIASES[r.key]!)))
    .sort((a, b) => a.key.localeCompare(b.key));
  warnings.sort((a, b) => a.group.localeCompare(b.group));
  return { resources, warnings, serverVersion: version?.gitVersion };
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

const isListable = (r: ResourceType): boolean => !r.resource.includes("/") && r.verbs.includes("list") && r.verbs.includes("get");
