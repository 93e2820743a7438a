import { storedYaml } from "@kubedump/dump";
import type { KubeObject, ResourceType } from "@kubedump/kube";
import { blobId, type Format2Keys } from "@kubedump/repository/format2";
import type { ObjectRef } from "@kubedump/repository/journal";

/** What the recorder keeps of an object: its uid and the blob id of its stored YAML, never its body. */
export interface Seen {
  uid: string;
  blob: string;
  /** The relist pass that last saw it (relist-diff marks, then sweeps). */
  pass: number;
}

/** An object as the journal records it: its ref, its YAML as a backup stores it, and that YAML's blob id. */
export interface Recorded {
  ref: ObjectRef;
  resourceVersion: string;
  data: Buffer;
  blob: string;
}

/** `namespace/name` or `name`: an object's key within its resource type. */
export const nameKey = (name: string, namespace?: string): string => (namespace ? `${namespace}/${name}` : name);

/** The ref of `obj` of type `rt` (uid "" when the object has none). */
export function refOf(obj: KubeObject, rt: ResourceType): ObjectRef {
  const { group, version, resource } = rt;
  const { name, uid = "" } = obj.metadata;
  const namespace = rt.namespaced ? obj.metadata.namespace : undefined;
  return namespace === undefined
    ? { group, version, resource, name, uid }
    : { group, version, resource, namespace, name, uid };
}

/**
 * `obj` as the journal records it: the ref and resourceVersion read first (sanitizing drops
 * them), then the YAML a backup with the same params stores, then its blob id.
 */
export function recordedOf(obj: KubeObject, rt: ResourceType, sanitize: boolean, keys: Format2Keys | null): Recorded {
  const ref = refOf(obj, rt);
  const rv = obj.metadata.resourceVersion;
  const resourceVersion = typeof rv === "string" ? rv : "";
  const data = storedYaml(obj, sanitize);
  return { ref, resourceVersion, data, blob: blobId(keys, data) };
}
