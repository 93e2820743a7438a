import { post } from "../api.js";
import { el, notice, replace } from "../dom.js";
import { errorBox, header, repoPage, section, snapshotPage } from "../links.js";
import type { View } from "../router.js";
import type { Created } from "../types.js";
import { restoreReport, waitForRestore } from "./restore-report.js";

const LISTS = [
  ["includeNamespaces", "Only these namespaces"],
  ["excludeNamespaces", "Not these namespaces"],
  ["includeResources", "Only these resources (resource.group)"],
  ["excludeResources", "Not these resources"],
] as const;

function field(id: string, label: string, input: HTMLElement, hint?: string): HTMLElement {
  if (hint) input.setAttribute("aria-describedby", `${id}-hint`);
  return el(
    "div",
    { class: "field" },
    el("label", { for: id }, label),
    input,
    hint ? el("p", { class: "hint", id: `${id}-hint` }, hint) : null,
  );
}

const list = (v: string) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** The request body from the form, without dryRun. */
function bodyOf(form: HTMLFormElement, ns: string, repo: string): Record<string, unknown> {
  const data = new FormData(form);
  const value = (k: string) => String(data.get(k) ?? "").trim();
  const body: Record<string, unknown> = { namespace: ns, repository: repo, snapshot: value("snapshot") };
  for (const [k] of LISTS) if (list(value(k)).length) body[k] = list(value(k));
  if (value("labelSelector")) body["labelSelector"] = value("labelSelector");
  if (value("mapFrom") && value("mapTo")) body["namespaceMappings"] = [{ from: value("mapFrom"), to: value("mapTo") }];
  body["existingResourcePolicy"] = value("existingResourcePolicy") || "none";
  return body;
}

async function run(body: Record<string, unknown>, dryRun: boolean, progress: HTMLElement) {
  const created = await post<Created>("/api/v1/restores", { ...body, dryRun });
  const what = dryRun ? "Dry run" : "Restore";
  return waitForRestore(created, (phase) =>
    replace(progress, notice(`${what} ${created.namespace}/${created.name}: ${phase}`)),
  );
}

/** A restore: the form, its dry run's report, then a confirmation before the real one. */
export function restorePageView({ params, query: q, main }: View): void {
  const ns = params["ns"]!;
  const repo = params["name"]!;
  const snapshot = q.get("snapshot") ?? "latest";
  main.append(
    header(`Restore from ${ns}/${repo}`, [
      ["Repositories", "/"],
      [`${ns}/${repo}`, repoPage(ns, repo)],
      ...(snapshot !== "latest" ? [[snapshot, snapshotPage(ns, repo, snapshot)] as [string, string]] : []),
    ]),
  );
  const policy = el(
    "select",
    { id: "existingResourcePolicy", name: "existingResourcePolicy" },
    el("option", { value: "none" }, "none: leave existing objects as they are"),
    el("option", { value: "update" }, "update: make existing objects equal to the snapshot's"),
  );
  const submit = el("button", { type: "submit" }, "Dry run");
  const form = el(
    "form",
    { class: "restore-form", "aria-label": "Restore" },
    field("snapshot", "Snapshot", el("input", { id: "snapshot", name: "snapshot", value: snapshot, required: true })),
    ...LISTS.map(([k, label]) =>
      field(k, label, el("input", { id: k, name: k }), "Comma-separated; globs such as prod-* work."),
    ),
    field(
      "labelSelector",
      "Label selector",
      el("input", { id: "labelSelector", name: "labelSelector" }),
      "e.g. app=web",
    ),
    field("mapFrom", "Move namespace", el("input", { id: "mapFrom", name: "mapFrom" })),
    field("mapTo", "into namespace", el("input", { id: "mapTo", name: "mapTo" })),
    field("existingResourcePolicy", "Existing objects", policy),
    submit,
  );
  const progress = el("div", { "aria-live": "polite", class: "restore-progress" });
  const outcome = el("div", { class: "restore-outcome" });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = bodyOf(form, ns, repo);
    submit.disabled = true;
    replace(outcome);
    try {
      const report = await run(body, true, progress);
      const go = el("button", { type: "button", class: "danger" }, "Go ahead and restore");
      const cancel = el("button", { type: "button" }, "Cancel");
      const ask = el("div", { class: "confirm", role: "group", "aria-label": "Go ahead?" }, go, " ", cancel);
      replace(outcome, restoreReport("Dry run report", report), el("p", {}, "Restore these objects for real?"), ask);
      go.focus();
      cancel.addEventListener("click", () => {
        replace(outcome, notice("Nothing was restored."));
        submit.disabled = false;
      });
      go.addEventListener("click", async () => {
        ask.remove();
        try {
          outcome.append(restoreReport("Restore report", await run(body, false, progress)));
        } catch (err) {
          outcome.append(errorBox(err));
        }
        submit.disabled = false;
      });
    } catch (err) {
      replace(outcome, errorBox(err));
      submit.disabled = false;
    }
  });
  main.append(section("restore", "What to restore", form, progress, outcome));
}
