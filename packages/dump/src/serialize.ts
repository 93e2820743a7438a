import { hash } from "node:crypto";
import type { KubeObject } from "@kubedump/kube";
import { yamlDump } from "./yaml.js";

export interface Serialized {
  data: Buffer;
  sha256: string;
}

/** One YAML document, as `kubectl get -o yaml` would print the object, with its digest. */
export function toYaml(obj: KubeObject): Serialized {
  const data = Buffer.from(yamlDump(obj), "utf8");
  return { data, sha256: hash("sha256", data, "hex") };
}
