import type { KubeClient } from "./client.js";
import { isNotFound } from "./errors.js";

/** A Secret's data, base64-decoded; undefined when the Secret does not exist. */
export async function readSecret(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    const s = await client.get<{ data?: Record<string, string> }>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`,
    );
    return Object.fromEntries(
      Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
    );
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
