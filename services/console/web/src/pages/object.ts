import { get, query, repoPath } from "../api.js";
import { diffView, yamlView } from "../code-view.js";
import { el, notice } from "../dom.js";
import { time, typeName } from "../format.js";
import { downloads, errorBox, header, objectPage, repoPage, section, snapshotPage } from "../links.js";
import type { View } from "../router.js";
import type {
  History,
  HistoryItem,
  JournalChange,
  JournalGap,
  JournalVersion,
  ObjectRef,
  ObjectView,
} from "../types.js";
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

/** A change the journal recorded: kind, resourceVersion, its diff, and its YAML on demand. */
function journalEntry(ns: string, repo: string, ref: ObjectRef, c: JournalChange, i: number): HTMLElement {
  const yaml = el("details", { class: "journal-yaml" }, el("summary", {}, "YAML of this version"));
  yaml.addEventListener(
    "toggle",
    () => {
      const path = `${repoPath(ns, repo)}/objects/journal-version${query({ ...ref, time: c.time })}`;
      get<JournalVersion>(path).then(
        (v) => yaml.append(yamlView(v.yaml, `YAML of ${ref.name} at ${c.time}`)),
        (err: unknown) => yaml.append(errorBox(err)),
      );
    },
    { once: true },
  );
  return el(
    "li",
    { class: `history-item journal-item change-${c.change}` },
    el(
      "h3",
      { id: `journal-${i}` },
      el("span", { class: "source" }, "journal"),
      " ",
      el("span", { class: `change change-${c.change}` }, c.change),
      " ",
      el("span", { class: "mono rv" }, `resourceVersion ${c.resourceVersion}`),
    ),
    el("p", { class: "meta" }, time(c.time), c.previous ? ` · since ${c.previous}` : ""),
    c.diff ? diffView(c.diff, `Changes at ${c.time}`) : null,
    c.change === "deleted" ? null : yaml,
  );
}

function gapEntry(g: JournalGap): HTMLElement {
  return el(
    "li",
    { class: "history-item history-gap" },
    el("h3", {}, el("span", { class: "change change-gap" }, `gap (${g.reason})`)),
    el("p", { class: "meta" }, `${time(g.from)} to ${time(g.to)}: changes there are known only by their outcome`),
  );
}

/** Snapshot entries, journal changes and gaps, newest first. */
function timeline(ns: string, repo: string, ref: ObjectRef, h: History): HTMLElement[] {
  const shown = h.items.filter((i) => i.change !== "unchanged-omitted");
  const rows: { time: number; node: HTMLElement }[] = [
    ...shown.map((item, i) => ({ time: Date.parse(item.time), node: historyEntry(ns, repo, ref, item, i) })),
    ...(h.journal?.changes ?? []).map((c, i) => ({
      time: Date.parse(c.time),
      node: journalEntry(ns, repo, ref, c, i),
    })),
    ...(h.journal?.gaps ?? []).map((g) => ({ time: Date.parse(g.from), node: gapEntry(g) })),
  ];
  return rows.sort((a, b) => b.time - a.time).map((r) => r.node);
}

async function historySection(ns: string, repo: string, ref: ObjectRef): Promise<HTMLElement> {
  try {
    const h = await get<History>(`${repoPath(ns, repo)}/objects/history${query({ ...ref })}`);
    const rows = timeline(ns, repo, ref, h);
    return section(
      "history",
      "History",
      h.masked ? notice("Diffs are withheld: you may not get this type in this namespace.") : null,
      h.journal
        ? el("p", { class: "hint" }, "Snapshots and the changes continuous capture recorded, newest first.")
        : null,
      rows.length ? el("ol", { class: "history" }, ...rows) : el("p", {}, "No change recorded."),
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
