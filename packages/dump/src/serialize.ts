import type { KubeObject } from "@kubedump/kube";
import { yamlDump } from "./yaml.js";

/** One YAML document, as `kubectl get -o yaml` would print the object (its digest: sha256Each). */
export function toYaml(obj: KubeObject): Buffer {
  return Buffer.from(yamlDump(obj), "utf8");
}
