import { type KubeClient, type KubeObject, systemClock } from "@kubedump/kube";

const CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const POLL_MS = 200;

function isEstablished(crd: KubeObject): boolean {
  const status = crd["status"] as { conditions?: { type?: string; status?: string }[] } | undefined;
  return status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ?? false;
}

/**
 * Waits until each named CustomResourceDefinition is Established (its API is served), polling
 * them together; returns the names that were not within `timeoutMs`.
 */
export async function waitEstablished(
  client: KubeClient,
  names: readonly string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string[]> {
  const deadline = systemClock.now() + timeoutMs;
  let pending = [...names];
  while (pending.length > 0) {
    const states = await Promise.all(
      pending.map((name) =>
        client.request<KubeObject>("GET", `${CRD_PATH}/${encodeURIComponent(name)}`, { signal }).then(isEstablished),
      ),
    );
    pending = pending.filter((_, i) => !states[i]);
    if (pending.length === 0 || systemClock.now() >= deadline) break;
    await systemClock.sleep(POLL_MS, signal);
  }
  return pending;
}
