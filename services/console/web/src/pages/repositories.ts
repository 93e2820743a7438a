import { get } from "../api.js";
import { el, phaseBadge, table } from "../dom.js";
import { count, time } from "../format.js";
import { errorBox, header, repoPage } from "../links.js";
import type { View } from "../router.js";
import type { RepositoryItem } from "../types.js";

function backendText(b: RepositoryItem["backend"]): string {
  const where = [b["endpoint"], b["bucket"], b["prefix"], b["path"]].filter((v) => typeof v === "string" && v);
  return where.length ? `${b.type}: ${where.join(" / ")}` : b.type;
}

/** The Repositories the user may read. */
export async function repositoriesPage({ main }: View): Promise<void> {
  main.append(header("Repositories"));
  let repos: RepositoryItem[];
  try {
    repos = await get<RepositoryItem[]>("/api/v1/repositories");
  } catch (err) {
    main.append(errorBox(err));
    return;
  }
  if (repos.length === 0) {
    main.append(el("p", {}, "No Repository you may read."));
    return;
  }
  const rows = repos.map((r) => [
    el("a", { href: repoPage(r.namespace, r.name) }, `${r.namespace}/${r.name}`),
    r.error ? `invalid spec: ${r.error}` : backendText(r.backend),
    phaseBadge(r.phase),
    count(r.snapshots),
    time(r.lastSnapshotTime),
  ]);
  main.append(table("Repositories", ["Repository", "Backend", "Phase", "Snapshots", "Last snapshot"], rows));
}
