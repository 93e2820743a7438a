import { createHash } from "node:crypto";
import type { KubeObject } from "@kubedump/kube";
import { dump } from "js-yaml";

export interface Serialized {
  data: Buffer;
  sha256: string;
}

/** One YAML document, as `kubectl get -o yaml` would print the object, with its digest. */
export function toYaml(obj: KubeObject): Serialized {
  const data = Buffer.from(dump(obj, { noRefs: true, lineWidth: -1, sortKeys: false }), "utf8");
  return { data, sha256: createHash("sha256").update(data).digest("hex") };
}
