// The dump benchmark's object mix (test/bench/lib/seed.mjs) as the exporter writes it: each seeded
// body with what the API server adds (namespace, uid, resourceVersion, timestamps, defaults,
// managedFields), then sanitize() and toYaml() of @kubedump/dump. Used by format2-compression.mjs.
import { createHash } from "node:crypto";
import { sanitize, toYaml } from "@kubedump/dump";
import { objectFor } from "../../../test/bench/lib/seed.mjs";

const hex = (s, n) => createHash("sha256").update(s).digest("hex").slice(0, n);
const uidOf = (s) => {
  const h = hex(s, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** What the API server adds to the seeded body of object `i` in namespace `ns`. */
function served(i, body, ns, revision) {
  const obj = structuredClone(body);
  const meta = obj.metadata;
  Object.assign(meta, {
    namespace: ns,
    uid: uidOf(`${ns}/${meta.name}/${obj.kind}`),
    resourceVersion: String(100000 + i * 3 + revision),
    creationTimestamp: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString().replace(".000", ""),
    managedFields: [{ manager: "bench", operation: "Update", apiVersion: obj.apiVersion, fieldsType: "FieldsV1" }],
  });
  if (revision > 1) meta.annotations = { ...meta.annotations, "bench.kubedump.io/revision": String(revision) };
  if (obj.kind === "Secret") {
    obj.data = Object.fromEntries(
      Object.entries(obj.stringData).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
    );
    delete obj.stringData;
  }
  if (obj.kind === "Service")
    Object.assign(obj.spec, { clusterIPs: ["None"], ipFamilies: ["IPv4"], sessionAffinity: "None", type: "ClusterIP" });
  if (obj.kind === "Deployment") {
    meta.generation = 1;
    Object.assign(obj.spec, {
      progressDeadlineSeconds: 600,
      revisionHistoryLimit: 10,
      strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" }, type: "RollingUpdate" },
    });
    Object.assign(obj.spec.template.spec, {
      dnsPolicy: "ClusterFirst",
      restartPolicy: "Always",
      schedulerName: "default-scheduler",
      terminationGracePeriodSeconds: 30,
    });
    for (const c of obj.spec.template.spec.containers)
      Object.assign(c, { imagePullPolicy: "IfNotPresent", terminationMessagePath: "/dev/termination-log" });
    obj.status = { observedGeneration: 1, replicas: 0 };
  }
  return obj;
}

/** The record and YAML of object `i` of `namespaces`; `revision` > 1 changes it. */
export function benchObject(i, namespaces, revision = 1) {
  const { path, body } = objectFor(i, namespaces);
  const m = /^\/(?:api|apis\/([^/]+))\/(v\d\w*)\/namespaces\/([^/]+)\/([^/]+)$/.exec(path);
  if (!m) throw new Error(`unexpected path ${path}`);
  const [, group = "", version, ns, resource] = m;
  const obj = sanitize(served(i, body, ns, revision));
  const data = toYaml(obj);
  const record = {
    group,
    version,
    resource,
    kind: body.kind,
    namespace: ns,
    name: body.metadata.name,
    uid: uidOf(`${ns}/${body.metadata.name}/${body.kind}`),
    sha256: createHash("sha256").update(data).digest("hex"),
    bytes: data.length,
  };
  return { record, data };
}

/** The draft of a benchmark's format-2 snapshot `id` (a cluster-scoped CLI backup at a fixed time). */
export function benchDraftV2(id) {
  return {
    id,
    time: "2026-11-26T02:00:00.000Z",
    completedAt: "2026-11-26T02:00:07.000Z",
    source: { kind: "cli" },
    cluster: { version: "v1.34.0" },
    scope: { type: "cluster" },
    params: {},
    warnings: [],
  };
}
