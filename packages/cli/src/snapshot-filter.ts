import { anyGlob } from "@kubedump/dump";
import { UnsafePathError } from "@kubedump/repository";
import type { SnapshotManifest } from "@kubedump/repository/snapshot";
import { dumpOptionsFromFlags } from "./options.js";
import { UsageError } from "./target.js";

/** Where an object of a snapshot sits: `cluster/<resource>/<name>.yaml` or `namespaces/<ns>/<resource>/<name>.yaml`. */
export interface ObjectPlace {
  /** `<resource>[.<group>]`, as in the snapshot's counts. */
  resource: string;
  /** The namespace of a namespaced object; undefined for a cluster-scoped one. */
  namespace?: string;
  name: string;
}

const SEGMENT = "([^/\\0]+)";
const CLUSTER_PATH = new RegExp(`^cluster/${SEGMENT}/${SEGMENT}\\.yaml$`);
const NAMESPACED_PATH = new RegExp(`^namespaces/${SEGMENT}/${SEGMENT}/${SEGMENT}\\.yaml$`);

/** The place an archive path names; UnsafePathError for anything else (`..`, absolute, other shapes). */
export function placeOf(path: string): ObjectPlace {
  const namespaced = NAMESPACED_PATH.exec(path);
  const cluster = namespaced ? undefined : CLUSTER_PATH.exec(path);
  const [, ...segments] = namespaced ?? cluster ?? [];
  if (segments.length === 0 || segments.some((s) => s === "." || s === ".."))
    throw new UnsafePathError(path, "not cluster/<resource>/<name>.yaml or namespaces/<ns>/<resource>/<name>.yaml");
  if (namespaced) return { namespace: segments[0]!, resource: segments[1]!, name: segments[2]! };
  return { resource: segments[0]!, name: segments[1]! };
}

export interface PartFlags {
  includeNamespaces?: string;
  includeResources?: string;
}

/**
 * The part of a snapshot the flags ask for, as a predicate on archive paths (every path is
 * checked, filters or not). `--include-namespaces` keeps those namespaces' objects and their
 * Namespace objects, as a backup with includeNamespaces holds them; `--include-resources` keeps
 * those resources, namespaced or not. Both: objects that pass both. A resource named without a
 * glob that the snapshot does not hold fails naming the flag.
 */
export function snapshotPart(flags: PartFlags, manifest: SnapshotManifest): (path: string) => boolean {
  const { options } = dumpOptionsFromFlags(flags);
  const absent = (options.includeResources ?? []).filter((r) => !/[*?]/.test(r) && !(r in manifest.counts));
  if (absent.length)
    throw new UsageError(
      `--include-resources: snapshot ${manifest.id} holds no ${absent.map((r) => `"${r}"`).join(", ")} ` +
        `(it holds ${Object.keys(manifest.counts).sort().join(", ")})`,
    );
  const namespaces = options.includeNamespaces?.length ? anyGlob(options.includeNamespaces) : undefined;
  const resources = options.includeResources?.length ? anyGlob(options.includeResources) : undefined;
  return (path) => {
    const place = placeOf(path);
    if (resources && !resources(place.resource)) return false;
    if (!namespaces) return true;
    if (place.namespace !== undefined) return namespaces(place.namespace);
    return place.resource === "namespaces" && namespaces(place.name);
  };
}
