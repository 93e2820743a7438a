import { get, query, repoPath } from "../api.js";
import { diffView, yamlView } from "../code-view.js";
import { el, notice } from "../dom.js";
import { time, typeName } from "../format.js";
import { downloads, errorBox, header, objectPage, repoPage, section, snapshotPage } from "../links.js";
import type { View } from "../router.js";
import type { History, HistoryItem, ObjectRef, ObjectView } from "../types.js";
import { downloadUrl } from "./snapshot.js";
import { namespaceLabel } from "./tree.js";

const CHANGE_TEXT: Record<HistoryItem["change"], string> = {
  added: "added",
  changed: "changed",
  removed: "removed",
  "unchanged-omitted": "unchanged",
};

function historyEntry(ns: string, repo: string, ref: ObjectRef, item: HistoryItem, i: number): HTMLElement {
  const present = item.change !== "removed";
  const snap = present
    ? el("a", { href: objectPage(ns, repo, item.snapshot, ref), class: "mono" }, item.snapshot)
    : el("span", { class: "mono" }, item.snapshot);
  return el(
    "li",
    { class: `history-item change-${item.change}` },
    el(
      "h3",
      { id: `history-${i}` },
      snap,
      " ",
      el("span", { class: `change change-${item.change}` }, CHANGE_TEXT[item.change]),
    ),
    el("p", { class: "meta" }, time(item.time)),
    item.diff ? diffView(item.diff, `Changes in ${item.snapshot}`) : null,
  );
}

async function historySection(ns: string, repo: string, ref: ObjectRef): Promise<HTMLElement> {
  try {
    const h = await get<History>(`${repoPath(ns, repo)}/objects/history${query({ ...ref })}`);
    const shown = h.items.filter((i) => i.change !== "unchanged-omitted");
    return section(
      "history",
      "History",
      h.masked ? notice("Diffs are withheld: you may not get this type in this namespace.") : null,
      shown.length
        ? el("ol", { class: "history" }, ...[...shown].reverse().map((item, i) => historyEntry(ns, repo, ref, item, i)))
        : el("p", {}, "No change recorded."),
    );
  } catch (err) {
    return section("history", "History", errorBox(err));
  }
}

/** One object of a snapshot: its YAML, downloads, and its history with diffs. */
export async function objectPageView({ params, query: q, main }: View): Promise<void> {
  const ns = params["ns"]!;
  const repo = params["name"]!;
  const id = params["id"]!;
  const ref: ObjectRef = {
    group: q.get("group") ?? "",
    resource: q.get("resource") ?? "",
    namespace: q.get("namespace") ?? "",
    name: q.get("name") ?? "",
  };
  const where = ref.namespace ? `${ref.namespace}/` : "";
  main.append(
    header(`${typeName(ref.resource, ref.group)} ${where}${ref.name}`, [
      ["Repositories", "/"],
      [`${ns}/${repo}`, repoPage(ns, repo)],
      [id, snapshotPage(ns, repo, id)],
    ]),
  );
  const [obj, history] = await Promise.all([
    get<ObjectView>(`${repoPath(ns, repo)}/snapshots/${encodeURIComponent(id)}/object${query({ ...ref })}`).catch(
      (err: unknown) => err,
    ),
    historySection(ns, repo, ref),
  ]);
  if (obj instanceof Error || !obj) {
    main.append(errorBox(obj));
    return;
  }
  const o = obj as ObjectView;
  main.append(
    section(
      "manifest",
      "Manifest",
      el("p", { class: "meta" }, `${o.record.kind ?? ""} in ${namespaceLabel(ref.namespace)}, snapshot ${id}`),
      o.masked ? notice("Secret values are masked (***): you may not get secrets in this namespace.", "info") : null,
      yamlView(o.yaml, `YAML of ${ref.name}`),
      downloads((f) => downloadUrl(ns, repo, id, f, { ...ref }), `object ${ref.name}`),
      o.masked ? el("p", { class: "hint" }, "Downloads hold the real values: they need get on this type here.") : null,
    ),
    history,
  );
}
