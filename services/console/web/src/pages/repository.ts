import { get, repoPath } from "../api.js";
import { lineChart } from "../chart.js";
import { el, table } from "../dom.js";
import { bytes, count, time } from "../format.js";
import { diffPage, errorBox, header, restorePage, section, snapshotPage } from "../links.js";
import { navigate, type View } from "../router.js";
import type { SnapshotItem } from "../types.js";

function sourceText(s: SnapshotItem["source"]): string {
  if (!s) return "–";
  if (typeof s === "string") return s;
  return [s.kind, [s.namespace, s.name].filter(Boolean).join("/")].filter(Boolean).join(" ");
}

/** Two snapshots to compare: older (a) and newer (b). */
function compareForm(ns: string, name: string, snaps: SnapshotItem[]): HTMLElement {
  const options = (selected: number) =>
    snaps.map((s, i) => el("option", { value: s.id, selected: i === selected }, `${s.id} (${time(s.time)})`));
  const a = el("select", { id: "diff-a", name: "a" }, ...options(Math.min(1, snaps.length - 1)));
  const b = el("select", { id: "diff-b", name: "b" }, ...options(0));
  const form = el(
    "form",
    { class: "inline-form", "aria-label": "Compare two snapshots" },
    el("label", { for: "diff-a" }, "From"),
    a,
    el("label", { for: "diff-b" }, "To"),
    b,
    el("button", { type: "submit" }, "Compare"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void navigate(diffPage(ns, name, a.value, b.value));
  });
  return form;
}

/** A Repository's snapshots over time: charts, the list, and a comparison of any two. */
export async function repositoryPage({ params, main }: View): Promise<void> {
  const ns = params["ns"]!;
  const name = params["name"]!;
  main.append(header(`Repository ${ns}/${name}`, [["Repositories", "/"]]));
  let snaps: SnapshotItem[];
  try {
    snaps = await get<SnapshotItem[]>(`${repoPath(ns, name)}/snapshots`);
  } catch (err) {
    main.append(errorBox(err));
    return;
  }
  if (snaps.length === 0) {
    main.append(el("p", {}, "This Repository has no snapshot yet."));
    return;
  }
  const newestFirst = [...snaps].sort((x, y) => y.time.localeCompare(x.time));
  const points = (y: (s: SnapshotItem) => number) =>
    snaps.map((s) => ({ x: Date.parse(s.time), y: y(s), label: s.id }));
  main.append(
    section(
      "timeline",
      "Timeline",
      el(
        "div",
        { class: "charts" },
        lineChart({
          title: "Objects per snapshot",
          points: points((s) => s.objects),
          format: count,
          series: "series-a",
        }),
        lineChart({ title: "Size per snapshot", points: points((s) => s.bytes), format: bytes, series: "series-b" }),
      ),
    ),
    section("compare", "Compare two snapshots", compareForm(ns, name, newestFirst)),
    section(
      "snapshots",
      "Snapshots",
      table(
        `${newestFirst.length} snapshots, newest first`,
        ["Snapshot", "Time", "Objects", "Size", "Stored", "Source", "Warnings", "Restore"],
        newestFirst.map((s) => [
          el("a", { href: snapshotPage(ns, name, s.id), class: "mono" }, s.id),
          time(s.time),
          count(s.objects),
          bytes(s.bytes),
          bytes(s.storedBytes),
          sourceText(s.source),
          s.warnings?.length ? s.warnings.join("; ") : "none",
          el("a", { href: restorePage(ns, name, s.id) }, "Restore…", el("span", { class: "sr-only" }, ` ${s.id}`)),
        ]),
      ),
    ),
  );
}
