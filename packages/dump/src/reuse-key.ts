import { createHash } from "node:crypto";
import type { KubeObject } from "@kubedump/kube";
import type { DumpOptions } from "./options.js";
import { reorder, sanitize } from "./sanitize.js";
import { toYaml } from "./serialize.js";

/**
 * Raised whenever the YAML of an object changes otherwise than the probe below shows: every
 * reuse table written before then is ignored (docs/decisions.md, "Reuse by identity").
 */
const YAML_VERSION = 1;

/** An object that goes through the sanitizer's and the emitter's rules, to notice changes to them. */
const PROBE = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "probe",
    namespace: "ns",
    uid: "00000000-0000-0000-0000-000000000000",
    resourceVersion: "1",
    creationTimestamp: "2026-01-01T00:00:00Z",
    managedFields: [{ manager: "m", operation: "Update" }],
    labels: { app: "probe", yes: "no", empty: "" },
    annotations: { "deployment.kubernetes.io/revision": "1", note: "line one\nline two\n", n: "0123" },
  },
  spec: {
    replicas: 1,
    template: {
      metadata: { labels: { app: "probe" } },
      spec: {
        containers: [{ name: "c", image: "x:1", ports: [{ containerPort: 80, protocol: "TCP" }], args: ["~", "null"] }],
        restartPolicy: "Always",
        terminationGracePeriodSeconds: 30,
        dnsPolicy: "ClusterFirst",
        schedulerName: "default-scheduler",
      },
    },
  },
  status: { replicas: 1 },
};

/** The YAML the probe gives, sanitized and not: a change to either rule set changes the key. */
function fingerprint(): string {
  const hash = createHash("sha256");
  for (const clean of [sanitize, reorder]) hash.update(toYaml(clean(structuredClone(PROBE) as KubeObject)));
  return hash.digest("hex");
}

let cached: string | undefined;

/**
 * The reuse key of a dump (SnapshotWriterV2's reuse table): its options, which decide which
 * objects it holds and how their YAML is made (sanitize), and the serializer's version and
 * fingerprint. Two dumps of one key reuse each other's blobs for objects of the same type, uid
 * and resourceVersion.
 */
export function reuseKeyOf(options: DumpOptions): string {
  cached ??= fingerprint();
  const { pageSize: _pageSize, ...decisive } = options;
  return JSON.stringify({ yaml: YAML_VERSION, fingerprint: cached, options: decisive });
}
