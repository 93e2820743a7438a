import type { KubeObject, ResourceType } from "@kubedump/kube";
import { anyGlob } from "./glob.js";
import { EXCLUDE_LABEL, type DumpOptions } from "./options.js";
import { matches, parseSelector, type Requirement } from "./selector.js";

/** A filter names a resource or kind the cluster does not serve. */
export class UnknownResourceError extends Error {
  override name = "UnknownResourceError";
}

const EVENT_RESOURCES = new Set(["events", "events.events.k8s.io"]);

export interface CompiledFilters {
  /** Resource types to list, in order. */
  resources: ResourceType[];
  /** Whether a listed object goes into the snapshot. */
  keep(obj: KubeObject, rt: ResourceType): boolean;
  /** The only label keys keep reads: an object's other labels do not change its answer. */
  labelKeys: readonly string[];
  /** Whether the resource and kind filters let this type through, whatever its scope. */
  allowsType(rt: ResourceType): boolean;
  /** Whether includeNamespaces and excludeNamespaces let this namespace through. */
  allowsNamespace(name: string): boolean;
}

/**
 * Turns options into the set of resource types to list and a per-object predicate.
 * Throws SelectorSyntaxError or UnknownResourceError (naming the filter) on bad input.
 */
export function compileFilters(opts: DumpOptions, discovered: ResourceType[]): CompiledFilters {
  const known = new Set(discovered.map((r) => r.key));
  const kinds = new Set(discovered.map((r) => (r.group ? `${r.kind}.${r.group}` : r.kind)));
  checkNames("includeResources", opts.includeResources, (n) => n.includes("*") || known.has(n));
  checkNames("excludeResources", opts.excludeResources, (n) => n.includes("*") || known.has(n));
  checkNames("ignoreGroupKinds", opts.ignoreGroupKinds, (n) => n.includes("*") || kinds.has(n));
  // Also sent to the server; checked here too for objects fetched by name.
  const andSelector = opts.labelSelector ? parseSelector(opts.labelSelector, "labelSelector") : [];
  const orSelectors: Requirement[][] = (opts.orLabelSelectors ?? []).map((s, i) =>
    parseSelector(s, `orLabelSelectors[${i}]`),
  );

  const included = opts.includeResources?.length ? anyGlob(opts.includeResources) : () => true;
  const excluded = anyGlob(opts.excludeResources ?? []);
  const ignoredKind = anyGlob(opts.ignoreGroupKinds ?? []);
  const explicitlyIncluded = anyGlob(opts.includeResources ?? []);
  const clusterScoped = wantClusterScoped(opts);

  const allowsType = (rt: ResourceType) => {
    if (!included(rt.key) || excluded(rt.key) || ignoredKind(rt.group ? `${rt.kind}.${rt.group}` : rt.kind))
      return false;
    return !EVENT_RESOURCES.has(rt.key) || opts.includeEvents === true || explicitlyIncluded(rt.key);
  };
  const resources = discovered.filter((rt) => allowsType(rt) && (rt.namespaced || clusterScoped));

  const allowsNamespace = namespaceFilter(opts);
  const labelKeys = [EXCLUDE_LABEL, ...[andSelector, ...orSelectors].flat().map((r) => r.key)];
  return {
    resources,
    allowsType,
    allowsNamespace,
    labelKeys: [...new Set(labelKeys)],
    keep(obj, rt) {
      const labels = obj.metadata.labels;
      if (labels?.[EXCLUDE_LABEL] === "true" || !matches(andSelector, labels)) return false;
      if (rt.namespaced) {
        if (!allowsNamespace(obj.metadata.namespace ?? "")) return false;
      } else if (rt.key === "namespaces") {
        // A Namespace object belongs with its namespace's filters too.
        if (!allowsNamespace(obj.metadata.name)) return false;
      }
      return orSelectors.length === 0 || orSelectors.some((r) => matches(r, labels));
    },
  };
}

/**
 * includeNamespaces and excludeNamespaces as a predicate on a namespace's name. Objects come a
 * namespace at a time, so the last answer is kept.
 */
export function namespaceFilter(
  opts: Pick<DumpOptions, "includeNamespaces" | "excludeNamespaces">,
): (name: string) => boolean {
  const included = opts.includeNamespaces?.length ? anyGlob(opts.includeNamespaces) : () => true;
  const excluded = anyGlob(opts.excludeNamespaces ?? []);
  let last: string | undefined;
  let lastAllowed = false;
  return (name) => {
    if (name !== last) {
      last = name;
      lastAllowed = included(name) && !excluded(name);
    }
    return lastAllowed;
  };
}

function wantClusterScoped(opts: DumpOptions): boolean {
  const setting = opts.includeClusterResources ?? "auto";
  if (setting !== "auto") return setting;
  return opts.scope.type === "cluster" && !opts.includeNamespaces?.length;
}

function checkNames(field: string, names: string[] | undefined, ok: (n: string) => boolean): void {
  const unknown = (names ?? []).filter((n) => !ok(n));
  if (unknown.length) {
    throw new UnknownResourceError(
      `${field}: the cluster serves no ${unknown.map((n) => `"${n}"`).join(", ")} ` +
        `(use resource.group for resources, Kind.group for kinds; core ones have no group)`,
    );
  }
}
