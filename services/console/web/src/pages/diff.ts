import { get, query, repoPath } from "../api.js";
import { diffView } from "../code-view.js";
import { el } from "../dom.js";
import { count, typeName } from "../format.js";
import { errorBox, header, objectPage, repoPage, section } from "../links.js";
import type { View } from "../router.js";
import type { DiffChange, DiffResult } from "../types.js";

function changeEntry(ns: string, repo: string, a: string, b: string, c: DiffChange, i: number): HTMLElement {
  const where = c.namespace ? `${c.namespace}/` : "";
  const snap = c.change === "removed" ? a : b;
  const ref = { group: c.group, resource: c.resource, namespace: c.namespace, name: c.name };
  return el(
    "li",
    { class: `change-item change-${c.change}` },
    el(
      "h3",
      { id: `change-${i}` },
      el("span", { class: `change change-${c.change}` }, c.change),
      " ",
      el(
        "a",
        { href: objectPage(ns, repo, snap, ref), class: "mono" },
        `${typeName(c.resource, c.group)} ${where}${c.name}`,
      ),
    ),
    c.diff ? diffView(c.diff, `Diff of ${c.kind} ${where}${c.name}`) : null,
    c.masked ? el("p", { class: "meta" }, "Diff withheld: you may not get this type in this namespace.") : null,
  );
}

/** What changed between two snapshots, object by object, with unified diffs. */
export async function diffPageView({ params, query: q, main }: View): Promise<void> {
  const ns = params["ns"]!;
  const repo = params["name"]!;
  const a = q.get("a") ?? "";
  const b = q.get("b") ?? "";
  main.append(
    header(`Diff ${a} → ${b}`, [
      ["Repositories", "/"],
      [`${ns}/${repo}`, repoPage(ns, repo)],
    ]),
  );
  let d: DiffResult;
  try {
    d = await get<DiffResult>(
      `${repoPath(ns, repo)}/diff${query({ a, b, namespace: q.get("namespace"), resource: q.get("resource") })}`,
    );
  } catch (err) {
    main.append(errorBox(err));
    return;
  }
  const stat = el(
    "p",
    { class: "diff-stat", role: "status" },
    el("span", { class: "change change-added" }, `${count(d.stat.added)} added`),
    ", ",
    el("span", { class: "change change-removed" }, `${count(d.stat.removed)} removed`),
    ", ",
    el("span", { class: "change change-changed" }, `${count(d.stat.changed)} changed`),
  );
  main.append(
    section(
      "changes",
      "Changes",
      stat,
      d.changes.length
        ? el("ol", { class: "changes" }, ...d.changes.map((c, i) => changeEntry(ns, repo, a, b, c, i)))
        : el("p", {}, "The two snapshots hold the same objects."),
    ),
  );
}
