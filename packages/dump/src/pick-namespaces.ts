import { type KubeClient, KubeUnreachableError, listPages, type ResourceType } from "@kubedump/kube";
import { namespaceFilter } from "./filters.js";
import type { DumpOptions } from "./options.js";

/**
 * includeNamespaces matching at most this many namespaces: list each namespaced type in each of
 * them, not cluster-wide, which for a few namespaces of many is several times faster
 * (docs/benchmarks.md, "What is left"); every namespace costs one LIST per type, though, and
 * those count against the rate limit.
 */
const PER_NAMESPACE_MAX = 3;

/** The core Namespace type, listed before discovery has confirmed it; unused if it does not. */
export const NAMESPACES: ResourceType = {
  group: "",
  version: "v1",
  resource: "namespaces",
  kind: "Namespace",
  namespaced: false,
  verbs: ["list"],
  key: "namespaces",
  apiPath: "/api/v1",
};

/**
 * The namespaces includeNamespaces (minus excludeNamespaces) picks, or undefined when there are
 * more than PER_NAMESPACE_MAX of them or they cannot be listed (RBAC): then the plan is
 * cluster-wide, which gives the same result, only slower.
 */
export async function pickNamespaces(client: KubeClient, opts: DumpOptions): Promise<string[] | undefined> {
  const allows = namespaceFilter(opts);
  const picked: string[] = [];
  try {
    for await (const page of listPages(client, NAMESPACES, { limit: opts.pageSize })) {
      for (const ns of page) if (allows(ns.metadata.name)) picked.push(ns.metadata.name);
      if (picked.length > PER_NAMESPACE_MAX) return undefined;
    }
  } catch (err) {
    if (err instanceof KubeUnreachableError) throw err;
    return undefined;
  }
  return picked;
}
