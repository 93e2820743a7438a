import { isNotFound, KubeApiError } from "@kubedump/kube";
import type { IndexRecord } from "@kubedump/repository/archive";
import type { RestorerContext } from "./object-restorer.js";
import { FIELD_MANAGER } from "./options.js";
import type { RestoreReport } from "./report.js";

export const MISSING_NAMESPACE_NOTE = "not in the snapshot: created for the objects that go into it";

/**
 * Creates the namespaces that selected objects go into (after mapping) when neither the selection
 * nor the cluster has them, as Velero does: a backup made with --include-namespaces holds no
 * Namespace objects, and without this every object of a restore into a new cluster would fail
 * for its namespace. A Namespace the snapshot holds is restored as it was, by its own step. Each
 * one created is in the report, with a note; a dry run only remembers it, as it does a restored one.
 */
export async function createMissingNamespaces(
  ctx: Pick<RestorerContext, "client" | "mapping" | "dryRun" | "dryRunNamespaces" | "signal">,
  selected: readonly IndexRecord[],
  report: RestoreReport,
): Promise<void> {
  const mapped = (ns: string) => ctx.mapping.get(ns) ?? ns;
  const restored = new Set(selected.filter((r) => r.group === "" && r.resource === "namespaces").map((r) => r.name));
  const needed = new Set<string>();
  for (const r of selected)
    if (r.namespace !== undefined && !restored.has(r.namespace)) needed.add(mapped(r.namespace));
  for (const r of restored) needed.delete(mapped(r));
  for (const name of [...needed].sort()) {
    const about = { type: "namespaces", kind: "Namespace", name };
    try {
      if (await exists(ctx, name)) continue;
      await ctx.client.request("POST", "/api/v1/namespaces", {
        body: { apiVersion: "v1", kind: "Namespace", metadata: { name } },
        query: { fieldManager: FIELD_MANAGER, dryRun: ctx.dryRun ? "All" : undefined },
        signal: ctx.signal,
      });
      if (ctx.dryRun) ctx.dryRunNamespaces.add(name);
      report.add({ ...about, outcome: "created", notes: [MISSING_NAMESPACE_NOTE] });
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      report.add({ ...about, outcome: "failed", reason: err.message });
    }
  }
}

async function exists(ctx: Pick<RestorerContext, "client" | "signal">, name: string): Promise<boolean> {
  try {
    await ctx.client.request("GET", `/api/v1/namespaces/${encodeURIComponent(name)}`, { signal: ctx.signal });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
