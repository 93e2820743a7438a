import type { KubeClient } from "./client.js";

/**
 * Merge-patches `status` through the status subresource of the object at `path` (a no-op for
 * fields left out). Safe under conflicts: a merge patch carries no resourceVersion.
 */
export function patchStatus<T>(client: KubeClient, path: string, status: Record<string, unknown>): Promise<T> {
  return client.patch<T>(`${path}/status`, { status }, "merge");
}
