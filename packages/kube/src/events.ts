import type { KubeClient } from "./client.js";
import type { KubeObject } from "./resources.js";

export interface EventInput {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** The component that reports, e.g. `kubedump-watcher`. */
  component: string;
}

/** A core/v1 Event about `obj`, as `kubectl describe` shows it. Failures are the caller's to ignore. */
export async function recordEvent(client: KubeClient, obj: KubeObject, e: EventInput, now = new Date()): Promise<void> {
  const namespace = obj.metadata.namespace ?? "default";
  const time = now.toISOString().replace(/\.\d{3}Z$/, "Z");
  await client.create(`/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${obj.metadata.name}.${now.getTime().toString(16)}`, namespace },
    involvedObject: {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
    },
    type: e.type,
    reason: e.reason,
    message: e.message.slice(0, 1024),
    source: { component: e.component },
    reportingComponent: e.component,
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  });
}
