import { get, query, repoPath } from "../api.js";
import { el } from "../dom.js";
import { bytes, count, time } from "../format.js";
import { type DownloadFormat, downloads, errorBox, header, repoPage, restorePage, section } from "../links.js";
import type { View } from "../router.js";
import { namespaceLabel, PAGE_SIZE, snapshotTree } from "./tree.js";

/** The download address of a snapshot, or of a part of it. */
export const downloadUrl = (
  ns: string,
  repo: string,
  id: string,
  format: DownloadFormat,
  sel: { namespace?: string; group?: string; resource?: string; name?: string } = {},
): string => `${repoPath(ns, repo)}/snapshots/${encodeURIComponent(id)}/download${query({ format, ...sel })}`;

const SHOWN: [string, string, (v: unknown) => string][] = [
  ["time", "Time", (v) => time(String(v))],
  ["completedAt", "Completed", (v) => time(String(v))],
  ["objects", "Objects", (v) => count(Number(v))],
  ["bytes", "Size", (v) => bytes(Number(v))],
  ["storedBytes", "Stored", (v) => bytes(Number(v))],
  ["format", "Repository format", (v) => String(v)],
  ["parts", "Parts", (v) => (Array.isArray(v) ? String(v.length) : String(v))],
  ["clusterVersion", "Cluster version", (v) => String(v)],
];

/** The summary's figures that are there, as a description list. */
function summaryList(summary: Record<string, unknown>): HTMLElement {
  const items = SHOWN.filter(([k]) => summary[k] !== undefined && summary[k] !== null).flatMap(([k, label, f]) => [
    el("dt", {}, label),
    el("dd", {}, f(summary[k])),
  ]);
  const warnings = summary["warnings"];
  if (Array.isArray(warnings) && warnings.length)
    items.push(el("dt", {}, "Warnings"), el("dd", {}, warnings.map(String).join("; ")));
  return el("dl", { class: "summary" }, ...items);
}

/** One snapshot: its figures, downloads, and its tree. */
export async function snapshotPage({ params, query: q, main, mounted }: View): Promise<void> {
  const ns = params["ns"]!;
  const repo = params["name"]!;
  const id = params["id"]!;
  main.append(
    header(`Snapshot ${id}`, [
      ["Repositories", "/"],
      [`${ns}/${repo}`, repoPage(ns, repo)],
    ]),
  );
  const [summary, tree] = await Promise.all([
    get<Record<string, unknown>>(`${repoPath(ns, repo)}/snapshots/${encodeURIComponent(id)}`).catch((err) =>
      errorBox(err),
    ),
    snapshotTree(
      {
        ns,
        repo,
        id,
        pageSize: Number(q.get("pageSize")) || PAGE_SIZE,
        namespaceDownloads: (namespace) =>
          downloads((f) => downloadUrl(ns, repo, id, f, { namespace }), `namespace ${namespaceLabel(namespace)}`),
      },
      mounted,
    ),
  ]);
  main.append(
    section(
      "summary",
      "Summary",
      summary instanceof HTMLElement ? summary : summaryList(summary),
      el("p", {}, el("a", { href: restorePage(ns, repo, id) }, "Restore this snapshot…")),
    ),
    section(
      "download",
      "Download the snapshot",
      downloads((f) => downloadUrl(ns, repo, id, f), `snapshot ${id}`),
    ),
    section("tree-section", "Objects by namespace and type", tree),
  );
}
