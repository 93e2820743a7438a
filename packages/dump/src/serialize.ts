import type { KubeObject } from "@kubedump/kube";
import { reorder, sanitize } from "./sanitize.js";
import { yamlBytes } from "./yaml.js";

/** One YAML document, as `kubectl get -o yaml` would print the object (its digest: sha256Each). */
export function toYaml(obj: KubeObject): Buffer {
  return yamlBytes(obj);
}

/**
 * The YAML a backup stores for `obj`: sanitized (which edits pod and Service specs in place), or
 * as returned when `sanitizeIt` is false. The recorder stores the same bytes, so an unchanged
 * object's journal blob is its snapshot blob.
 */
export function storedYaml(obj: KubeObject, sanitizeIt: boolean): Buffer {
  return toYaml(sanitizeIt ? sanitize(obj) : reorder(obj));
}
