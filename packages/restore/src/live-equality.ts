import { isDeepStrictEqual } from "node:util";
import type { KubeObject } from "@kubedump/kube";
import { type PrepareOptions, prepare } from "./prepare.js";

/**
 * Whether an object in the cluster already equals what the restore would write: the live object,
 * put through the same prepare() as the snapshot's (server-set metadata, status, and what the new
 * cluster assigns — cluster IPs, node ports, a Pod's node and defaulted pod-spec fields, a Job's
 * uid labels — all dropped), deep-equals `desired` (prepared, mapped and relinked). Key order does
 * not count; array order does. A field the server defaulted counts when the snapshot lacks it:
 * a snapshot is read back from an API server, so it carries that server's defaults already, and
 * an object that differs only by what another server version defaults is reported as existing,
 * never as unchanged.
 */
export function equalsLive(
  desired: KubeObject,
  live: KubeObject,
  type: { group: string; resource: string },
  options: Pick<PrepareOptions, "preserveNodePorts"> = {},
): boolean {
  return isDeepStrictEqual(prepare(live, type, options).object, desired);
}
